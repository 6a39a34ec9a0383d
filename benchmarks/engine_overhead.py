"""Engine overhead: microseconds per tiny op, forward and backward, chainrule beside PyTorch in one run.

On 1-element tensors the array work is close to nothing, so this measures the Python around it:
`Function.apply`, Tensor creation and the backward loop (ARCHITECTURE.md, "Where the time goes"). Each case
is one function run on both frameworks (`lib` is the `chainrule` or the `torch` module), so both do the
same work, and its results are checked against PyTorch's before anything is timed.

    python benchmarks/engine_overhead.py           # 7 rounds of ~0.2 s per framework and case
    python benchmarks/engine_overhead.py --quick   # 3 rounds of ~0.05 s: a smoke run, noisier numbers

The report goes to stdout as Markdown, ready to paste into benchmarks/RESULTS.md; progress goes to stderr.
"""

from __future__ import annotations

import os

# One thread everywhere. BLAS and OpenMP runtimes read these once, when numpy or torch loads them, so they
# are set before those imports (threadpoolctl, when installed, also limits the runtimes already loaded).
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["VECLIB_MAXIMUM_THREADS"] = "1"
os.environ["NUMEXPR_NUM_THREADS"] = "1"

import argparse
import datetime
import gc
import math
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from types import ModuleType
from typing import Any

import numpy

import chainrule

try:
    import torch
except ImportError:
    torch = None

try:
    from threadpoolctl import threadpool_limits
except ImportError:
    threadpool_limits = None

CHAIN_LENGTH = 100
TOLERANCE = 1e-5  # absolute for values up to 1 in magnitude, relative above
TARGET_RATIO = 0.5

# Values that keep every intermediate and gradient well inside float32's normal range (no overflow, and
# no denormals, which are slow): the mul chain grows to 0.9 * 1.01**100 ~ 2.4; in the mixed chain each
# group y -> sigmoid(tanh(y * 4 - 2)) keeps y in (0, 1) and its derivative near 0.7.
X, W_MUL = 0.9, 1.01
W_MIXED, B_MIXED = 4.0, -2.0

Step = Callable[[], tuple]


@dataclass(frozen=True)
class Case:
    """One row of the table: `make_step(lib)` builds the leaves and returns the step that is timed."""

    label: str
    ops: int  # the time of one step is divided by this: 1 for a whole step, CHAIN_LENGTH for per-op rows
    make_step: Callable[[ModuleType], Step]


def _leaf(lib: ModuleType, value: float) -> Any:
    return lib.tensor([value], dtype=lib.float32, requires_grad=True)


def _mul_chain(x: Any, w: Any) -> Any:
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y * w
    return y


def _mixed_chain(lib: ModuleType, x: Any, w: Any, b: Any) -> Any:
    """CHAIN_LENGTH ops cycling through `*`, `+`, tanh and sigmoid."""
    y = x
    for _ in range(CHAIN_LENGTH // 4):
        y = lib.sigmoid(lib.tanh(y * w + b))
    return y


# -- the cases: each step returns what the correctness check compares --------------------------------------
def _tiny_expression(lib: ModuleType) -> Step:
    a, b, c = _leaf(lib, 1.5), _leaf(lib, -2.0), _leaf(lib, 0.25)

    def step() -> tuple:
        a.grad = b.grad = c.grad = None
        (a * b + c).sum().backward()
        return a.grad, b.grad, c.grad

    return step


def _mul_chain_backward(lib: ModuleType) -> Step:
    x, w = _leaf(lib, X), _leaf(lib, W_MUL)

    def step() -> tuple:
        x.grad = w.grad = None
        _mul_chain(x, w).sum().backward()
        return x.grad, w.grad

    return step


def _mixed_chain_backward(lib: ModuleType) -> Step:
    x, w, b = _leaf(lib, X), _leaf(lib, W_MIXED), _leaf(lib, B_MIXED)

    def step() -> tuple:
        x.grad = w.grad = b.grad = None
        _mixed_chain(lib, x, w, b).sum().backward()
        return x.grad, w.grad, b.grad

    return step


def _mul_chain_no_grad(lib: ModuleType) -> Step:
    x, w = _leaf(lib, X), _leaf(lib, W_MUL)

    def step() -> tuple:
        with lib.no_grad():
            y = _mul_chain(x, w)
        return (y,)

    return step


def _mixed_chain_grad(lib: ModuleType) -> Step:
    x, w, b = _leaf(lib, X), _leaf(lib, W_MIXED), _leaf(lib, B_MIXED)

    def step() -> tuple:
        return lib.autograd.grad(_mixed_chain(lib, x, w, b).sum(), x)

    return step


def _mixed_chain_grad_create_graph(lib: ModuleType) -> Step:
    x, w, b = _leaf(lib, X), _leaf(lib, W_MIXED), _leaf(lib, B_MIXED)

    def step() -> tuple:
        return lib.autograd.grad(_mixed_chain(lib, x, w, b).sum(), x, create_graph=True)

    return step


def _mixed_chain_second_order(lib: ModuleType) -> Step:
    x, w, b = _leaf(lib, X), _leaf(lib, W_MIXED), _leaf(lib, B_MIXED)

    def step() -> tuple:
        (grad_x,) = lib.autograd.grad(_mixed_chain(lib, x, w, b).sum(), x, create_graph=True)
        (grad_grad_x,) = lib.autograd.grad(grad_x.sum(), x)
        return grad_x, grad_grad_x

    return step


CASES = [
    Case("1. `(a*b+c).sum()` forward + backward, per step", 1, _tiny_expression),
    Case("2. mul chain forward + backward, per op", CHAIN_LENGTH, _mul_chain_backward),
    Case("3. mixed chain (`*`,`+`,tanh,sigmoid) forward + backward, per op", CHAIN_LENGTH, _mixed_chain_backward),
    Case("4. mul chain forward under no_grad, per op", CHAIN_LENGTH, _mul_chain_no_grad),
    Case("5a. mixed chain forward + `grad(y, x)`, per op", CHAIN_LENGTH, _mixed_chain_grad),
    Case(
        "5b. mixed chain forward + `grad(y, x, create_graph=True)`, per op",
        CHAIN_LENGTH,
        _mixed_chain_grad_create_graph,
    ),
    Case("5c. 5b + `grad(dy/dx, x)` (second order), per op", CHAIN_LENGTH, _mixed_chain_second_order),
]


# -- checking and timing ------------------------------------------------------------------------------------
def _to_numpy(tensor: Any) -> numpy.ndarray:
    return numpy.asarray(tensor.detach().numpy())


def _check(case: Case, results: dict[str, tuple]) -> None:
    """Stop if chainrule computed something other than torch did, or in another dtype than float32."""
    for name, values in results.items():
        for index, value in enumerate(values):
            if value is None or _to_numpy(value).dtype != numpy.float32:
                got = "None" if value is None else _to_numpy(value).dtype
                raise SystemExit(f"{case.label}: {name} result {index} is {got}, expected a float32 tensor")
    if "torch" not in results:
        return
    for index, (mine, reference) in enumerate(zip(results["chainrule"], results["torch"], strict=True)):
        mine, reference = _to_numpy(mine), _to_numpy(reference)
        if mine.shape != reference.shape or not numpy.all(
            numpy.abs(mine - reference) <= TOLERANCE * numpy.maximum(1.0, numpy.abs(reference))
        ):
            raise SystemExit(
                f"{case.label}: chainrule result {index} is {mine.tolist()}, torch's is {reference.tolist()} "
                f"(tolerance {TOLERANCE}); refusing to time a wrong computation"
            )


def _seconds_per_step(step: Step, iterations: int) -> float:
    start = perf_counter()
    for _ in range(iterations):
        step()
    return (perf_counter() - start) / iterations


def _calibrate(step: Step, round_seconds: float) -> int:
    """The number of iterations that makes a round last about `round_seconds`."""
    iterations = 1
    while True:
        seconds = _seconds_per_step(step, iterations)
        if seconds * iterations >= round_seconds / 10:
            return max(1, round(round_seconds / seconds))
        iterations *= 2


def measure(case: Case, libs: dict[str, ModuleType], rounds: int, round_seconds: float) -> dict[str, float]:
    """Best-round microseconds per op of each framework, rounds alternating between frameworks."""
    steps = {name: case.make_step(lib) for name, lib in libs.items()}
    _check(case, {name: step() for name, step in steps.items()})
    iterations = {}
    for name, step in steps.items():
        _seconds_per_step(step, max(1, _calibrate(step, round_seconds) // 4))  # warm-up
        iterations[name] = _calibrate(step, round_seconds)
    best = dict.fromkeys(steps, math.inf)
    for _ in range(rounds):
        for name, step in steps.items():
            gc.collect()  # every round starts with the same (empty) collector backlog
            best[name] = min(best[name], _seconds_per_step(step, iterations[name]))
    return {name: seconds / case.ops * 1e6 for name, seconds in best.items()}


# -- the report ---------------------------------------------------------------------------------------------
def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.uname().machine


def _limit_threads() -> str:
    if torch is not None:
        torch.set_num_threads(1)
    if threadpool_limits is not None:
        threadpool_limits(limits=1)
        return "threadpoolctl"
    return "OMP/OPENBLAS/MKL_NUM_THREADS=1 set before importing numpy"


def _header(rounds: int, round_seconds: float, threads: str) -> list[str]:
    uname = platform.uname()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = f"Python {platform.python_version()}, NumPy {numpy.__version__}, "
    versions += f"torch {torch.__version__}" if torch is not None else "torch not installed"
    versions += f", chainrule {chainrule.__version__}"
    if torch is not None:
        threads = f"torch.set_num_threads(1); NumPy: {threads}"
        checked = f"results checked against torch (tolerance {TOLERANCE}) before timing"
    else:
        threads = f"NumPy: {threads}"
        checked = "results not checked (no torch to compare with)"
    return [
        "## Engine overhead (benchmarks/engine_overhead.py)",
        "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {_cpu_name()}, {uname.system} {uname.release} {uname.machine}, "
        f"{os.cpu_count()} CPUs ({usable} usable)",
        f"- versions: {versions}",
        f"- protocol: float32, 1-element tensors, one thread ({threads}); warm-up, then {rounds} rounds of "
        f"~{round_seconds:g} s per framework, alternating; best round; {checked}",
        "",
    ]


def _table(rows: list[tuple[Case, dict[str, float]]]) -> list[str]:
    lines = ["| case | chainrule µs | torch µs | ratio (chainrule/torch) |", "|---|---:|---:|---:|"]
    for case, times in rows:
        if "torch" in times:
            torch_time, ratio = f"{times['torch']:.2f}", f"{times['chainrule'] / times['torch']:.2f}"
        else:
            torch_time, ratio = "—", "—"
        lines.append(f"| {case.label} | {times['chainrule']:.2f} | {torch_time} | {ratio} |")
    return lines


def _target_line(rows: list[tuple[Case, dict[str, float]]]) -> str:
    target = f"Target: ratio ≤ {TARGET_RATIO} (chainrule's per-op overhead at most half of PyTorch's)"
    if torch is None:
        return f"{target}: not checked, torch is not installed (chainrule numbers only)."
    missed = [case.label.split(".")[0] for case, times in rows if times["chainrule"] / times["torch"] > TARGET_RATIO]
    met = len(rows) - len(missed)
    return f"{target}: met in {met} of {len(rows)} rows" + (f"; missed in {', '.join(missed)}." if missed else ".")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of ~0.05 s instead of 7 of ~0.2 s")
    args = parser.parse_args(argv)
    rounds, round_seconds = (3, 0.05) if args.quick else (7, 0.2)

    threads = _limit_threads()
    libs = {"chainrule": chainrule}
    if torch is not None:
        libs["torch"] = torch
    rows = []
    for case in CASES:
        print(f"timing {case.label} ...", file=sys.stderr, flush=True)
        rows.append((case, measure(case, libs, rounds, round_seconds)))

    lines = _header(rounds, round_seconds, threads) + _table(rows) + ["", _target_line(rows)]
    if torch is None:
        lines.append("Note: torch is not installed, so only chainrule was timed and its results were not checked.")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

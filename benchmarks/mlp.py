"""MLP training steps: chainrule beside PyTorch and scikit-learn's MLPClassifier, in one run.

Two models, the same shapes and float32 data in every framework, one Adam step of softmax cross-entropy:
  mlp   784-256-256-10, ReLU, batch 128   (GEMM-bound: target chainrule <= 1.1x PyTorch)
  tiny  32-64-64-10,   Tanh, batch 32     (overhead-bound: target chainrule <= 0.5x PyTorch)

chainrule and PyTorch start from identical weights and their first losses are compared before timing.
Rounds alternate between the frameworks; the best round of each is reported.

    python benchmarks/mlp.py            # 7 rounds of ~0.5 s per framework and model
    python benchmarks/mlp.py --quick    # 3 short rounds
    python benchmarks/mlp.py --threads 1
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import os
import platform
import sys
from collections.abc import Callable
from time import perf_counter
from typing import Any

CASES = {
    "mlp": {"sizes": (784, 256, 256, 10), "activation": "relu", "batch": 128, "target": 1.1},
    "tiny": {"sizes": (32, 64, 64, 10), "activation": "tanh", "batch": 32, "target": 0.5},
}


def _chainrule_step(case: dict, x: Any, y: Any) -> tuple[Callable[[], float], list]:
    import chainrule
    from chainrule import nn, optim
    from chainrule.nn import functional

    activation = nn.ReLU if case["activation"] == "relu" else nn.Tanh
    sizes = case["sizes"]
    layers: list = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), activation()]
    model = nn.Sequential(*layers[:-1])
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    inputs, targets = chainrule.from_numpy(x), chainrule.from_numpy(y)

    def step() -> float:
        optimizer.zero_grad()
        loss = functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    weights = [p.data.copy() for p in model.parameters()]
    return step, weights


def _torch_step(case: dict, x: Any, y: Any, weights: list) -> Callable[[], float]:
    import torch

    activation = torch.nn.ReLU if case["activation"] == "relu" else torch.nn.Tanh
    sizes = case["sizes"]
    layers: list = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out), activation()]
    model = torch.nn.Sequential(*layers[:-1])
    with torch.no_grad():
        for param, value in zip(model.parameters(), weights, strict=True):
            param.copy_(torch.from_numpy(value))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def _sklearn_step(case: dict, x: Any, y: Any) -> Callable[[], float]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    sizes = case["sizes"]
    model = MLPClassifier(hidden_layer_sizes=sizes[1:-1], activation=case["activation"], solver="adam",
                          batch_size=case["batch"], learning_rate_init=1e-3, random_state=0)
    classes = list(range(sizes[-1]))
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def step() -> float:
        model.partial_fit(x, y, classes=classes)  # one pass over one batch: one Adam step
        return float(model.loss_)

    return step


def _time(step: Callable[[], float], seconds: float) -> tuple[float, int]:
    """Seconds per step over about `seconds` of steps (the count is fixed from a calibration run)."""
    start = perf_counter()
    count = 0
    while perf_counter() - start < seconds / 5:
        step()
        count += 1
    count = max(5 * count, 3)
    gc.collect()
    start = perf_counter()
    for _ in range(count):
        step()
    return (perf_counter() - start) / count, count


def run(name: str, case: dict, rounds: int, seconds: float) -> dict:
    import numpy

    import chainrule

    chainrule.manual_seed(0)
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((case["batch"], case["sizes"][0])).astype(numpy.float32)
    y = rng.integers(0, case["sizes"][-1], case["batch"]).astype(numpy.int64)
    steps: dict[str, Callable[[], float]] = {}
    steps["chainrule"], weights = _chainrule_step(case, x, y)
    try:
        steps["torch"] = _torch_step(case, x, y, weights)
    except ImportError:
        print("  torch not installed: skipped", file=sys.stderr)
    try:
        steps["sklearn"] = _sklearn_step(case, x, y)
    except ImportError:
        print("  scikit-learn not installed: skipped", file=sys.stderr)
    if "torch" in steps:  # same weights, same data: the first losses must agree before anything is timed
        ours, theirs = steps["chainrule"](), steps["torch"]()
        if abs(ours - theirs) > 1e-4 * max(1.0, abs(theirs)):
            raise SystemExit(f"{name}: first loss differs: chainrule {ours} vs torch {theirs}")
    best = {framework: float("inf") for framework in steps}
    for round_index in range(rounds):
        for framework, step in steps.items():
            elapsed, count = _time(step, seconds)
            best[framework] = min(best[framework], elapsed)
            print(f"  {name} round {round_index + 1} {framework}: {elapsed * 1e3:.3f} ms/step ({count} steps)",
                  file=sys.stderr)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 short rounds instead of 7")
    parser.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: all cores)")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    threads = args.threads or os.cpu_count() or 1
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)  # read when numpy/torch load their BLAS, below
    import numpy

    try:
        import torch

        torch.set_num_threads(threads)
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    try:
        import sklearn

        sklearn_version = sklearn.__version__
    except ImportError:
        sklearn_version = "not installed"

    rounds, seconds = (3, 0.2) if args.quick else (7, 0.5)
    results = {name: run(name, CASES[name], rounds, seconds) for name in args.cases}

    print("## MLP training step (benchmarks/mlp.py)\n")
    print(f"- date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}")
    print(f"- machine: {platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs; {threads} thread(s) for BLAS and torch")
    print(f"- versions: Python {platform.python_version()}, NumPy {numpy.__version__}, torch {torch_version}, "
          f"scikit-learn {sklearn_version}")
    print(f"- protocol: float32, one Adam step (lr 1e-3) of cross-entropy per step, identical initial weights "
          f"for chainrule and torch (first losses checked equal), {rounds} alternating rounds, best round\n")
    print("| model | chainrule ms | torch ms | sklearn ms | chainrule/torch | target | chainrule/sklearn |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, best in results.items():
        ours = best["chainrule"] * 1e3
        torch_ms = best.get("torch", float("nan")) * 1e3
        sklearn_ms = best.get("sklearn", float("nan")) * 1e3
        ratio = ours / torch_ms
        verdict = "met" if ratio <= CASES[name]["target"] else "MISSED"
        print(f"| {name} {CASES[name]['sizes']} batch {CASES[name]['batch']} | {ours:.3f} | {torch_ms:.3f} | "
              f"{sklearn_ms:.3f} | {ratio:.2f} | <= {CASES[name]['target']} ({verdict}) | {ours / sklearn_ms:.2f} |")


if __name__ == "__main__":
    main()

"""Training steps of small models: chainrule beside PyTorch (and scikit-learn's MLPClassifier for MLPs).

Each model is built by one function from the `nn` namespace it is given — `chainrule.nn` or `torch.nn`,
whose names and layouts agree — so both frameworks run the same network; PyTorch gets chainrule's initial
weights through `load_state_dict` (same keys) and the first losses are compared before anything is timed.
One step = zero_grad, forward, cross-entropy, backward, Adam (lr 1e-3), float32. Rounds alternate between
the frameworks; the best round of each is reported.

  mlp   784-256-256-10, ReLU, batch 128                       target <= 1.1x PyTorch
  tiny  32-64-64-10, Tanh, batch 32                            target <= 0.5x PyTorch
  cnn   Conv(1,32,3)-ReLU-Pool-Conv(32,64,3)-ReLU-Pool-Linear(1600,128)-ReLU-Linear(128,10), batch 64 of
        1x28x28                                                target <= 1.3x PyTorch
  lstm  LSTM(32, 128, batch_first) over 50 steps, last state into Linear(128, 10), batch 64
                                                               target <= 1.1x PyTorch

    python benchmarks/training_step.py                  # all models, 7 rounds of ~0.5 s each
    python benchmarks/training_step.py --quick --cases cnn lstm
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


def mlp(nn: Any, sizes: tuple, activation: str) -> Any:
    layers: list = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU() if activation == "relu" else nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def cnn(nn: Any) -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def lstm(nn: Any) -> Any:
    class LastState(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(32, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    return LastState()


CASES = {
    "mlp": {"build": lambda nn: mlp(nn, (784, 256, 256, 10), "relu"), "input": (128, 784), "target": 1.1,
            "sklearn": {"hidden_layer_sizes": (256, 256), "activation": "relu"}},
    "tiny": {"build": lambda nn: mlp(nn, (32, 64, 64, 10), "tanh"), "input": (32, 32), "target": 0.5,
             "sklearn": {"hidden_layer_sizes": (64, 64), "activation": "tanh"}},
    "cnn": {"build": cnn, "input": (64, 1, 28, 28), "target": 1.3},
    "lstm": {"build": lstm, "input": (64, 50, 32), "target": 1.1},
}


def _step(lib: Any, model: Any, x: Any, y: Any) -> Callable[[], float]:
    """One training step in `lib` (chainrule or torch): their APIs are the same."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    cross_entropy = lib.nn.functional.cross_entropy
    inputs, targets = lib.from_numpy(x), lib.from_numpy(y)

    def step() -> float:
        optimizer.zero_grad()
        loss = cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def _chainrule_step(case: dict, x: Any, y: Any) -> tuple[Callable[[], float], dict]:
    import chainrule

    model = case["build"](chainrule.nn)
    weights = {name: value.numpy().copy() for name, value in model.state_dict().items()}
    return _step(chainrule, model, x, y), weights


def _torch_step(case: dict, x: Any, y: Any, weights: dict) -> Callable[[], float]:
    import torch

    model = case["build"](torch.nn)
    model.load_state_dict({name: torch.from_numpy(value) for name, value in weights.items()})
    return _step(torch, model, x, y)


def _sklearn_step(case: dict, x: Any, y: Any) -> Callable[[], float]:
    if "sklearn" not in case:
        raise LookupError("no scikit-learn twin")
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(**case["sklearn"], solver="adam", batch_size=len(x), learning_rate_init=1e-3,
                          random_state=0)
    classes = list(range(10))
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
    x = rng.standard_normal(case["input"]).astype(numpy.float32)
    y = rng.integers(0, 10, case["input"][0]).astype(numpy.int64)
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
    except LookupError:
        pass
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

    print("## Training step (benchmarks/training_step.py)\n")
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
        print(f"| {name} {CASES[name]['input']} | {ours:.3f} | {torch_ms:.3f} | "
              f"{sklearn_ms:.3f} | {ratio:.2f} | <= {CASES[name]['target']} ({verdict}) | {ours / sklearn_ms:.2f} |")


if __name__ == "__main__":
    main()

"""What gradient diagnostics cost a training step: Trainer.fit with the GradientMonitor on (the default) and off.

The monitor costs one squared norm per parameter gradient every step, and on sampled steps a copy of the
weights and a pass over the activations; the non-finite guard (on either way) one isfinite on the loss and a
read of the random state. Same data, model and seed in both; rounds alternate; the best round of each is
reported (target: monitor under 5% of the step). float32.

  mlp    784-256-256-10 ReLU, batch 128 (the training_step benchmark's MLP), Adam
  small  64-128-10 ReLU with dropout, batch 32 (the default config's model on the digits' shape), Adam

    python benchmarks/diagnostics_overhead.py            # 7 rounds
    python benchmarks/diagnostics_overhead.py --quick
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import platform
import warnings
from time import perf_counter

import numpy

import chainrule
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset
from chainrule.train import Trainer

CASES = {
    "mlp": {"sizes": (784, 256, 256, 10), "batch": 128, "samples": 128 * 40, "dropout": 0.0},
    "small": {"sizes": (64, 128, 10), "batch": 32, "samples": 32 * 120, "dropout": 0.2},
}


def _model(sizes: tuple[int, ...], dropout: float) -> nn.Module:
    layers: list[nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*layers[: -2 if dropout else -1])


def _time_fit(case: dict, diagnostics: bool, x: numpy.ndarray, y: numpy.ndarray) -> float:
    """Seconds per training step of one 1-epoch fit (after a 1-epoch warm-up fit of the same trainer)."""
    chainrule.manual_seed(0)
    model = _model(case["sizes"], case["dropout"])
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), diagnostics=diagnostics)
    data = DataLoader(TensorDataset(chainrule.tensor(x), chainrule.tensor(y)), batch_size=case["batch"], shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a finding on random data is not what is measured
        trainer.fit(data, epochs=1)
        gc.collect()
        start = perf_counter()
        trainer.fit(data, epochs=1)
        elapsed = perf_counter() - start
    return elapsed / len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    print(f"# diagnostics overhead, {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"numpy {numpy.__version__}, best of {rounds} rounds")
    print(f"{'case':8} {'off (us/step)':>14} {'on (us/step)':>13} {'overhead':>9}")
    for name in args.cases:
        case = CASES[name]
        rng = numpy.random.default_rng(0)
        x = rng.standard_normal((case["samples"], case["sizes"][0])).astype(numpy.float32)
        y = rng.integers(0, case["sizes"][-1], case["samples"])
        best = {False: float("inf"), True: float("inf")}
        for _ in range(rounds):
            for diagnostics in (False, True):
                best[diagnostics] = min(best[diagnostics], _time_fit(case, diagnostics, x, y))
        overhead = best[True] / best[False] - 1
        print(f"{name:8} {best[False] * 1e6:14.1f} {best[True] * 1e6:13.1f} {overhead:9.1%}")


if __name__ == "__main__":
    main()

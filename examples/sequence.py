"""An LSTM learns the adding problem, a classic test of memory (Hochreiter & Schmidhuber, 1997).

Each input is a sequence of (value, marker) pairs: values uniform in [0, 1], exactly two markers set to 1,
one in each half of the sequence. The target is the sum of the two marked values, which the network can
only produce by remembering them across the sequence. Always answering the mean (1.0) gives a mean squared
error of about 0.167; the LSTM gets below 0.01. The learning curve is saved as a picture.
Run: python examples/sequence.py [--length 30] [--out adding_problem.png]   (plot needs matplotlib)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.nn import functional as F


def adding_problem(batch: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (batch, length, 2) and targets (batch, 1), float32."""
    values = rng.random((batch, length)).astype(np.float32)
    markers = np.zeros((batch, length), dtype=np.float32)
    rows = np.arange(batch)
    first = rng.integers(0, length // 2, batch)
    second = rng.integers(length // 2, length, batch)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = (values[rows, first] + values[rows, second])[:, None]
    return np.stack([values, markers], axis=2), targets


class Adder(nn.Module):
    """LSTM over the sequence; its last hidden state goes through a linear layer to the answer."""

    def __init__(self, hidden_size: int = 32) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def save_curve(losses: list[float], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: no picture ({path}); pip install 'chainrule[examples]'")
        return
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.semilogy(losses, linewidth=1, label="training MSE")
    axes.axhline(1 / 6, color="gray", linestyle="--", label="always answer 1.0")
    axes.set_xlabel("step")
    axes.set_ylabel("mean squared error")
    axes.set_title("LSTM on the adding problem")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    print(f"learning curve saved to {path}")


def main(length: int = 30, steps: int = 1500, out: str | None = "adding_problem.png") -> float:
    """Train and return the mean squared error on 1,000 fresh sequences."""
    cr.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Adder()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=500, gamma=0.5)
    losses = []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        inputs, targets = adding_problem(64, length, rng)
        optimizer.zero_grad()
        loss = F.mse_loss(model(cr.from_numpy(inputs)), cr.from_numpy(targets))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if step % 250 == 0:
            print(f"step {step:5d}   mse {np.mean(losses[-250:]):.4f}")
    inputs, targets = adding_problem(1000, length, rng)
    with cr.no_grad():
        test_mse = F.mse_loss(model(cr.from_numpy(inputs)), cr.from_numpy(targets)).item()
    print(f"{steps} steps in {time.perf_counter() - start:.1f} s; test MSE {test_mse:.4f} (baseline 0.167)")
    if out:
        save_curve(losses, out)
    return test_mse


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--length", type=int, default=30)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--out", default="adding_problem.png")
    arguments = parser.parse_args()
    main(arguments.length, arguments.steps, arguments.out)

"""A small CNN on the 8x8 handwritten digits that scikit-learn bundles (1,797 images, 10 classes).

Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) - ReLU - MaxPool2d(2) -
Flatten - Linear(128, 64) - ReLU - Dropout(0.2) - Linear(64, 10), trained with Adam on mini-batches of 64.
Adam with a cosine learning-rate decay over 40 epochs reaches about 98-99% held-out test accuracy in a few
seconds on a CPU.
Run: python examples/digits_cnn.py        (needs scikit-learn: pip install 'chainrule[examples]')
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.nn import functional as F


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits as float32 images (N, 1, 8, 8) scaled to [0, 1], split 80/20 stratified by class."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:
        raise SystemExit("this example needs scikit-learn: pip install 'chainrule[examples]'") from error
    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target.astype(np.int64)
    return tuple(train_test_split(images, labels, test_size=0.2, stratify=labels, random_state=0))


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10),
    )


def accuracy(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    with cr.no_grad():
        predictions = model(cr.from_numpy(images)).argmax(dim=1).numpy()
    model.train()
    return float((predictions == labels).mean())


def main(epochs: int = 40, batch_size: int = 64) -> float:
    """Train and return the test accuracy."""
    cr.manual_seed(0)
    train_x, test_x, train_y, test_y = load_digits()
    model = make_model()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)  # settle at the end
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(train_x))
        total = 0.0
        for first in range(0, len(order), batch_size):
            batch = order[first:first + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(cr.from_numpy(train_x[batch])), cr.from_numpy(train_y[batch]))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        scheduler.step()
        if epoch % 5 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}   train loss {total / len(order):.4f}   "
                  f"test accuracy {accuracy(model, test_x, test_y):.1%}")
    test_accuracy = accuracy(model, test_x, test_y)
    print(f"{epochs} epochs in {time.perf_counter() - start:.1f} s; test accuracy {test_accuracy:.2%}")
    return test_accuracy


if __name__ == "__main__":
    main()

"""Train a small network on two interleaved spirals with nothing but chainrule's Tensor and autograd.

The data is generated here (no download); the model is a 2-64-64-2 tanh MLP trained with full-batch
gradient descent with momentum on a softmax cross-entropy written from `logsumexp`.
Run: python examples/quickstart.py
"""

from __future__ import annotations

import math
import time

import numpy as np

import chainrule as cr


def two_spirals(points_per_class: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane, one per class."""
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.3, 3.0, points_per_class)
    angle = np.linspace(0.0, 3.0 * math.pi, points_per_class)
    features, labels = [], []
    for label, offset in enumerate((0.0, math.pi)):
        xy = np.stack([radius * np.cos(angle + offset), radius * np.sin(angle + offset)], axis=1)
        features.append(xy + rng.normal(0.0, noise, xy.shape))
        labels.append(np.full(points_per_class, label))
    return np.concatenate(features).astype(np.float32), np.concatenate(labels)


def init_layer(fan_in: int, fan_out: int) -> tuple[cr.Tensor, cr.Tensor]:
    """PyTorch's default Linear init: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    weight = ((cr.rand(fan_in, fan_out) * 2 - 1) * bound).requires_grad_()
    bias = ((cr.rand(fan_out) * 2 - 1) * bound).requires_grad_()
    return weight, bias


def main() -> float:
    """Train and return the final training accuracy."""
    cr.manual_seed(0)
    features, labels = two_spirals()
    x = cr.tensor(features)
    one_hot = cr.tensor(np.eye(2, dtype=np.float32)[labels])
    params = [*init_layer(2, 64), *init_layer(64, 64), *init_layer(64, 2)]
    velocity = [cr.zeros_like(p) for p in params]
    learning_rate, momentum = 0.1, 0.9

    start = time.perf_counter()
    for step in range(1, 1501):
        w1, b1, w2, b2, w3, b3 = params
        logits = ((x @ w1 + b1).tanh() @ w2 + b2).tanh() @ w3 + b3
        loss = (logits.logsumexp(dim=1) - (logits * one_hot).sum(dim=1)).mean()
        loss.backward()
        with cr.no_grad():
            for p, v in zip(params, velocity, strict=True):
                v.mul_(momentum).add_(p.grad)
                p -= learning_rate * v
                p.grad = None
        if step % 300 == 0:
            accuracy = (logits.argmax(dim=1).numpy() == labels).mean()
            print(f"step {step:5d}   loss {loss.item():.4f}   accuracy {accuracy:.1%}")
    elapsed = time.perf_counter() - start
    print(f"trained {len(params)} tensors on {len(labels)} points in {elapsed:.1f} s")
    return float(accuracy)


if __name__ == "__main__":
    main()

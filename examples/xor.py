"""Learn XOR, the classic problem a single linear layer cannot solve, with a 2-8-1 network.

Run: python examples/xor.py
"""

from __future__ import annotations

import chainrule as cr
from chainrule import nn, optim


def main(steps: int = 500) -> float:
    """Train and return the accuracy on the four XOR points."""
    cr.manual_seed(0)
    x = cr.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = cr.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    loss_function = nn.BCEWithLogitsLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = loss_function(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step:4d}   loss {loss.item():.4f}")
    with cr.no_grad():
        predictions = (model(x) > 0).float()
    accuracy = (predictions == y).float().mean().item()
    for inputs, prediction in zip(x.tolist(), predictions.tolist(), strict=True):
        print(f"{inputs[0]:.0f} xor {inputs[1]:.0f} -> {prediction[0]:.0f}")
    print(f"accuracy {accuracy:.0%}")
    return accuracy


if __name__ == "__main__":
    main()

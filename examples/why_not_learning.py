"""Why isn't my network learning? The same 10-layer MLP on the digits twice: sigmoid with small weights (its
gradients vanish, and chainrule says so) and ReLU with He initialisation (healthy); then the learning-rate range
test on the ReLU network. Draws the gradient-flow heatmap of each and the lr_find plot into docs/images/.

    python examples/why_not_learning.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import chainrule
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.diagnostics import lr_find
from chainrule.report import plot_gradient_heatmap
from chainrule.train import Trainer

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def deep_mlp(activation: type[nn.Module], init: str) -> nn.Sequential:
    """Ten Linear layers of width 64 with `activation` between them; `init` "small" (normal, std 0.01) or "he"."""
    layers: list[nn.Module] = []
    for index in range(10):
        linear = nn.Linear(64, 64 if index < 9 else 10)
        if init == "small":
            nn.init.normal_(linear.weight, 0.0, 0.01)
        else:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()] if index < 9 else [linear]
    return nn.Sequential(*layers)


def train(name: str, model: nn.Module, epochs: int = 5) -> Trainer:
    chainrule.manual_seed(0)
    x, y = datasets.digits().tensors
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.002))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the findings are printed below
        history = trainer.fit((x, y), epochs=epochs, validation_split=0.2)
    print(f"{name}: loss {history[-1]['loss']:.3f}, val_loss {history[-1]['val_loss']:.3f}")
    for finding in trainer.findings:
        print(f"  {finding}")
    if not trainer.findings:
        print("  no findings: healthy")
    IMAGES.mkdir(parents=True, exist_ok=True)
    plot_gradient_heatmap(history.epochs, IMAGES / f"gradient_flow_{name}.png")
    return trainer


def find_lr() -> float | None:
    """The range test on a fresh ReLU network: the lr it suggests, and its plot."""
    chainrule.manual_seed(0)
    model = deep_mlp(nn.ReLU, "he")
    result = lr_find((model, nn.CrossEntropyLoss(), optim.Adam(model.parameters())), datasets.digits().tensors)
    print(f"lr_find: {result.reason}")
    result.plot(IMAGES / "lr_find.png")
    return result.suggestion


def main() -> tuple[Trainer, Trainer]:
    chainrule.manual_seed(0)
    sigmoid = train("sigmoid", deep_mlp(nn.Sigmoid, "small"))
    chainrule.manual_seed(0)
    relu = train("relu", deep_mlp(nn.ReLU, "he"))
    find_lr()
    return sigmoid, relu


if __name__ == "__main__":
    main()

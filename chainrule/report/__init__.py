"""Pictures and report.html of a training run, drawn from plain data (a history of per-epoch dicts).

>>> from chainrule.report import plot_curves, write_report
>>> plot_curves(history, "curves.png")
>>> write_report("report.html", "my run", config, history, {"accuracy": 0.97}, ["curves.png"])
"""

from chainrule.report.html import read_curves, write_report
from chainrule.report.plots import (
    best_epoch,
    plot_confusion_matrix,
    plot_curves,
    plot_gradient_flow,
    plot_learning_rate,
)

__all__ = [
    "best_epoch",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_gradient_flow",
    "plot_learning_rate",
    "read_curves",
    "write_report",
]

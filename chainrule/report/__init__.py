"""Pictures and report.html of a training run, drawn from plain data (a history of per-epoch dicts).

>>> from chainrule.report import plot_curves, write_report
>>> plot_curves(history, "curves.png")
>>> write_report("report.html", "my run", config, history, {"accuracy": 0.97}, ["curves.png"])
"""

from chainrule.report.health import health_section, plot_gradient_heatmap, plot_unit_health
from chainrule.report.html import write_report
from chainrule.report.plots import (
    best_epoch,
    plot_confusion_matrix,
    plot_curves,
    plot_gradient_flow,
    plot_learning_rate,
    plot_lr_find,
)

__all__ = [
    "best_epoch",
    "health_section",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_gradient_flow",
    "plot_gradient_heatmap",
    "plot_learning_rate",
    "plot_lr_find",
    "plot_unit_health",
    "write_report",
]

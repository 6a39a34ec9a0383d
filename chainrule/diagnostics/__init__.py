"""Gradient insight: why a network is or isn't learning, noticed during ordinary training.

`GradientMonitor` (on by default in `Trainer`) watches gradient norms, update ratios and activations; the
`rules` turn what persists into `Finding`s, each issued once as a `GradientWarning` that names the kind,
the layers, the evidence and the fix. `lr_find` runs the learning-rate range test.

    >>> trainer = Trainer(model, loss, optimizer)
    >>> trainer.fit((x, y), epochs=10)
    >>> for finding in trainer.findings: print(finding)
"""

from chainrule.diagnostics.findings import KINDS, Finding, GradientWarning
from chainrule.diagnostics.lr_finder import LRFinderResult, lr_find
from chainrule.diagnostics.monitor import GradientMonitor

__all__ = ["KINDS", "Finding", "GradientMonitor", "GradientWarning", "LRFinderResult", "lr_find"]

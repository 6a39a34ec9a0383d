"""Callbacks: features of training (early stopping, NaN guard, ...) that plug into `Trainer.fit`'s hooks."""

from chainrule.train.callbacks.base import Callback
from chainrule.train.callbacks.checkpoint import ModelCheckpoint
from chainrule.train.callbacks.early_stopping import EarlyStopping
from chainrule.train.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "TerminateOnNaN"]

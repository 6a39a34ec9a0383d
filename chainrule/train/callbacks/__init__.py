"""Callbacks: features of training (early stopping, checkpoints, progress, logs, ...) that plug into `Trainer.fit`."""

from chainrule.train.callbacks.base import Callback
from chainrule.train.callbacks.checkpoint import ModelCheckpoint
from chainrule.train.callbacks.csv_logger import CSVLogger
from chainrule.train.callbacks.early_stopping import EarlyStopping
from chainrule.train.callbacks.lr_scheduler import LearningRateScheduler
from chainrule.train.callbacks.progress import ProgressBar
from chainrule.train.callbacks.tensorboard import TensorBoardLogger
from chainrule.train.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "TensorBoardLogger",
    "TerminateOnNaN",
]

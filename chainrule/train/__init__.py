"""Training: `Trainer.fit / evaluate / predict`, the per-epoch `History`, and callbacks.

    >>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), metrics=[Accuracy()])
    >>> history = trainer.fit((x, y), epochs=20, validation_split=0.2)
"""

from chainrule.train.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    TensorBoardLogger,
    TerminateOnNaN,
)
from chainrule.train.history import History
from chainrule.train.trainer import Trainer

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "TensorBoardLogger",
    "TerminateOnNaN",
    "Trainer",
]

"""Optimizers that update parameters in place from their gradients, and learning-rate schedulers.

    >>> optimizer = chainrule.optim.Adam(model.parameters(), lr=1e-3)
    >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
"""

from chainrule.optim import lr_scheduler
from chainrule.optim.adadelta import Adadelta
from chainrule.optim.adagrad import Adagrad
from chainrule.optim.adam import Adam
from chainrule.optim.adamax import Adamax
from chainrule.optim.adamw import AdamW
from chainrule.optim.nadam import NAdam
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.radam import RAdam
from chainrule.optim.rmsprop import RMSprop
from chainrule.optim.sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop",
           "lr_scheduler"]

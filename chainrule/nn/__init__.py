"""Neural-network building blocks: Module and Parameter, containers, layers, functional forms, initializers."""

from chainrule.nn import functional, init, utils
from chainrule.nn.containers import ModuleDict, ModuleList, Sequential
from chainrule.nn.layers import (
    BatchNorm1d,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    HuberLoss,
    Identity,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    Linear,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    Unflatten,
)
from chainrule.nn.module import Module, Parameter

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "Sequential",
    "SmoothL1Loss",
    "Unflatten",
    "functional",
    "init",
    "utils",
]

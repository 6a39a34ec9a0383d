"""Neural-network building blocks: Module and Parameter, containers, layers, functional forms, initializers."""

from chainrule.nn import functional, init, utils
from chainrule.nn.containers import ModuleDict, ModuleList, Sequential
from chainrule.nn.layers import BatchNorm1d, Dropout, Embedding, Flatten, Identity, LayerNorm, Linear, Unflatten
from chainrule.nn.module import Module, Parameter

__all__ = [
    "BatchNorm1d", "Dropout", "Embedding", "Flatten", "Identity", "LayerNorm", "Linear", "Module", "ModuleDict",
    "ModuleList", "Parameter", "Sequential", "Unflatten", "functional", "init", "utils",
]

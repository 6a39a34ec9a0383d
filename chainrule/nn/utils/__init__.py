"""Helpers around parameters: gradient clipping, L1/L2 penalties, flattening parameters into one vector."""

from chainrule.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from chainrule.nn.utils.convert import parameters_to_vector, vector_to_parameters
from chainrule.nn.utils.regularization import l1_penalty, l2_penalty

__all__ = ["clip_grad_norm_", "clip_grad_value_", "l1_penalty", "l2_penalty", "parameters_to_vector",
           "vector_to_parameters"]

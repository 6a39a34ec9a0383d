"""`torch.backends`' flags, answered truthfully for chainrule: no cuDNN, no MPS; the flags programs set are
kept but change nothing (chainrule's CUDA path uses cuBLAS through CuPy, and is deterministic)."""

from chainrule.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]

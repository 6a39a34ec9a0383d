"""Multi-head attention and the Transformer encoder/decoder stacks, with PyTorch's parameter names."""

__all__: list[str] = []

"""Attention: `scaled_dot_product_attention` as `torch.nn.functional` has it."""

__all__: list[str] = []

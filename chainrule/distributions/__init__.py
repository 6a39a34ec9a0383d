"""Probability distributions with PyTorch's `torch.distributions` API: sampling (reparameterised where the
distribution allows), log-densities, entropies and KL divergences, all differentiable."""

__all__: list[str] = []

"""`torch.backends.cudnn`: chainrule doesn't use cuDNN, so `is_available()` is False and the flags PyTorch
programs set (`benchmark`, `deterministic`, `enabled`, `allow_tf32`) are accepted and have no effect."""

benchmark: bool = False
deterministic: bool = False
enabled: bool = True
allow_tf32: bool = True


def is_available() -> bool:
    """False: chainrule's convolutions are im2col + matrix products, never cuDNN."""
    return False


def version() -> None:
    """None, as PyTorch answers when cuDNN is not available."""
    return None


__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

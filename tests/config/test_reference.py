"""chainrule.config.reference: the committed docs/config-reference.md is what the code generates."""

from __future__ import annotations

from chainrule.config import reference, registry


def test_the_committed_config_reference_is_up_to_date():
    assert reference.PATH.read_text() == reference.render(), (
        "docs/config-reference.md is out of date; regenerate it: python -m chainrule.config.reference")


def test_the_reference_lists_every_class_a_config_may_name_with_its_arguments():
    text = reference.render()
    for catalog in (registry.LAYERS, registry.LOSSES, registry.OPTIMIZERS, registry.SCHEDULERS, registry.METRICS,
                    registry.DATASETS, registry.LOADERS, registry.CALLBACKS):
        for name in catalog:
            assert f"#### `{name}`" in text, name
    assert "| `in_features` | int | required |" in text  # Linear
    assert '| `restore_best_weights` | bool | `false` |' in text  # EarlyStopping
    assert '| `mode` | one of "auto", "min", "max" | `"auto"` |' in text

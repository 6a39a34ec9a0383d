"""Run configurations in TOML: parse, validate with key paths and suggestions, and build the objects.

    >>> config = load_config("examples/configs/mlp.toml", {"training.epochs": 5})   # or load_config()
    >>> chainrule.manual_seed(config["seed"])
    >>> train, validation, test = build_data(config)
    >>> model = build_model(config)
    >>> optimizer, scheduler = build_optimizer(config, model)
    >>> metrics = build_metrics(config, chainrule.data.num_classes(train))
    >>> callbacks = build_callbacks(config, RunDirectory(f"runs/{config['name']}"))
    >>> trainer = build_trainer(config, model, build_loss(config), optimizer, metrics, callbacks, scheduler)

Every problem in a config is a ConfigError naming the file, the key path and the fix, all of them at once:
`mlp.toml: [optimizer] lr: expected a number, got "fast" (a string)`. What a config may name, the arguments,
types and defaults it accepts, and its own keys come from signatures (`registry`, `schema.OWN_KEYS`);
`python -m chainrule.config.reference` writes them to docs/config-reference.md.
"""

from chainrule.config.build import (
    build_callbacks,
    build_data,
    build_loss,
    build_metrics,
    build_model,
    build_optimizer,
    build_trainer,
)
from chainrule.config.errors import ConfigError
from chainrule.config.loading import load_config, to_toml
from chainrule.config.schema import DEFAULT_CONFIG

__all__ = ["DEFAULT_CONFIG", "ConfigError", "build_callbacks", "build_data", "build_loss", "build_metrics",
           "build_model", "build_optimizer", "build_trainer", "load_config", "to_toml"]

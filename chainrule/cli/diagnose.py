"""`chainrule diagnose` and `chainrule lr-find`: a config's gradient health and learning rate, without a run.

    chainrule diagnose [CONFIG.toml] [--steps 300] [--output DIR]     exit 0 healthy, 1 findings, 2 error
    chainrule lr-find [CONFIG.toml] [--start-lr 1e-7] [--end-lr 10] [--num-steps 100] [--plot lr_find.png]

Both build the config's data, model, loss and optimizer as `chainrule train` does (same seed), write nothing
into runs/, and leave the config as it was.
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path
from typing import Any

from chainrule.cli import CLIError, Run, _config_source, _load_config, _overrides
from chainrule.io import write_atomically
from chainrule.run import RunDirectory

# chainrule.diagnostics is imported inside the commands: building the parser (this module's add_commands) runs
# before main() can turn a Ctrl-C into one line, so it must import nothing slow.


def add_commands(commands: Any, debug: argparse.ArgumentParser) -> None:
    """Register `diagnose` and `lr-find` on the `chainrule` parser's subcommands."""
    diagnose_command = commands.add_parser(
        "diagnose", parents=[debug], help="train a few hundred steps and report gradient health (exit 1 on findings)")
    diagnose_command.add_argument("config", nargs="?", help="a TOML config (default: the built-in one)")
    diagnose_command.add_argument("--steps", type=int, default=300, help="training steps to watch (default: 300)")
    diagnose_command.add_argument("--output", help="a folder for findings.json and the gradient pictures")
    diagnose_command.add_argument("--seed", type=int, help="random seed (overrides the config)")
    diagnose_command.add_argument("--device", help="cpu, cuda or cuda:N (overrides the config)")

    lr_command = commands.add_parser(
        "lr-find", parents=[debug], help="the learning-rate range test: a suggested lr and its plot")
    lr_command.add_argument("config", nargs="?", help="a TOML config (default: the built-in one)")
    lr_command.add_argument("--start-lr", type=float, default=1e-7, help="the first lr (default: 1e-7)")
    lr_command.add_argument("--end-lr", type=float, default=10.0, help="the last lr (default: 10)")
    lr_command.add_argument("--num-steps", type=int, default=100, help="steps from start to end (default: 100)")
    lr_command.add_argument("--plot", default="lr_find.png", help="where the plot goes (default: lr_find.png)")
    lr_command.add_argument("--seed", type=int, help="random seed (overrides the config)")
    lr_command.add_argument("--device", help="cpu, cuda or cuda:N (overrides the config)")


def _build(args: argparse.Namespace, diagnostics: bool) -> Run:
    config = _load_config(args.config, _overrides(argparse.Namespace(**{**vars(args), "epochs": None})))
    config["training"]["diagnostics"] = diagnostics
    with _config_source(args.config):
        return Run(config, RunDirectory(Path("runs") / config["name"]), with_callbacks=False)


def diagnose(args: argparse.Namespace) -> int:
    """Train `--steps` steps with the GradientMonitor, print the health table and the findings; 1 if any."""
    if args.steps < 1:
        raise CLIError(f"--steps {args.steps}: give a positive number of training steps (e.g. 300)")
    if args.output is not None and Path(args.output).is_file():
        raise CLIError(f"--output {args.output}: is a file; give a folder for findings.json and the pictures")
    from chainrule.diagnostics import GradientWarning, rules

    run = _build(args, diagnostics=True)
    trainer, data = run.trainer, run.config["data"]
    batches = math.ceil(len(run.train) / data["batch_size"])
    # whole epochs (the rules judge epochs), at least rules.PERSIST + 1 so a persistent finding can fire
    epochs = max(rules.PERSIST + 1, math.ceil(args.steps / batches))
    print(f"Diagnosing {run.config['name']!r}: {epochs} epochs of {batches} steps")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientWarning)  # printed below, once, in the table's company
        trainer.fit(run.train, epochs=epochs, validation=run.validation, batch_size=data["batch_size"],
                    shuffle=data["shuffle"])
    history = trainer.history.epochs
    print(_health_table(history[-1] if history else {}))
    findings = trainer.findings
    if findings:
        print(f"\n{len(findings)} finding(s):")
        for finding in findings:
            print(f"- {finding.message}")
    else:
        print("\nHealthy: no findings.")
    if args.output is not None:
        _write_outputs(Path(args.output), history, [finding.to_dict() for finding in findings])
    return 1 if findings else 0


def _health_table(last: dict[str, Any]) -> str:
    """The last epoch's per-layer numbers: gradient norm and update ratio per weight, dead/saturated per module."""
    rows = [("weight", "grad norm", "update/weight")]
    for key in last:
        if key.startswith("grad_norm/") and key != "grad_norm/total":
            name = key.removeprefix("grad_norm/")
            rows.append((name, f"{last[key]:.3g}", f"{last.get(f'update_ratio/{name}', math.nan):.2g}"))
    units = [(key.split("/", 1)[1], key.split("/", 1)[0], f"{last[key]:.0%}") for key in last
             if key.startswith(("dead/", "saturated/"))]
    if units:
        rows += [("", "", ""), ("activation", "measure", "fraction"), *units]
    width = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join("  ".join(cell.ljust(width[column]) for column, cell in enumerate(row)).rstrip() for row in rows)


def _write_outputs(folder: Path, history: list[dict[str, Any]], findings: list[dict[str, Any]]) -> None:
    import json

    from chainrule.diagnostics import rules
    from chainrule.report import plot_gradient_heatmap, plot_unit_health

    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "findings.json", json.dumps(findings, indent=1).encode("utf-8"))
    written = ["findings.json"]
    thresholds = {"dead": rules.DEAD_FRACTION, "saturated": rules.SATURATED_FRACTION}
    for name, picture in (("gradient_flow.png", plot_gradient_heatmap(history, folder / "gradient_flow.png")),
                          ("units.png", plot_unit_health(history, folder / "units.png", thresholds))):
        if picture is not None:
            written.append(name)
    print(f"Wrote {', '.join(written)} in {folder}/")


def find_lr(args: argparse.Namespace) -> float | None:
    """Run the range test on the config's model and data; print the suggestion, the reason and the plot."""
    if not 0 < args.start_lr < args.end_lr:
        raise CLIError(f"--start-lr {args.start_lr:g} --end-lr {args.end_lr:g}: need 0 < start < end "
                       "(e.g. 1e-7 and 10)")
    if args.num_steps < 2:
        raise CLIError(f"--num-steps {args.num_steps}: need at least 2 steps (e.g. 100)")
    from chainrule.diagnostics import lr_find

    run = _build(args, diagnostics=False)
    result = lr_find(run.trainer, run.train, start_lr=args.start_lr, end_lr=args.end_lr, num_steps=args.num_steps,
                     batch_size=run.config["data"]["batch_size"])
    configured = run.config["optimizer"].get("lr")
    have = f" (config has [optimizer] lr = {configured:g})" if isinstance(configured, int | float) else ""
    print(f"suggested lr: {result.suggestion:.3g}{have}" if result.suggestion is not None else "no suggestion")
    print(result.reason)
    print(f"plot: {result.plot(args.plot)}")
    return result.suggestion

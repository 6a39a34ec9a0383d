"""A small training run for the kill-and-resume tests: killed with SIGKILL at a chosen point, then resumed.

    python resume_script.py RUN_DIR [--kill step:5 | epoch_end:2 | write:9] [--resume]

Writes RUN_DIR/final.safetensors (model, optimizer, history) when training ends.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import numpy

import chainrule
from chainrule import io, nn, optim
from chainrule.metrics import Accuracy
from chainrule.optim.lr_scheduler import StepLR
from chainrule.train import Callback, EarlyStopping, ModelCheckpoint, Trainer


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class KillAt(Callback):
    """SIGKILL this process at a global step (in on_batch_end) or at an epoch's end (in on_epoch_end)."""

    def __init__(self, where: str | None) -> None:
        self.kind, _, number = (where or "none:0").partition(":")
        self.number = int(number)

    def on_batch_end(self, trainer, batch, logs):
        if self.kind == "step" and trainer.global_step == self.number:
            _die()

    def on_epoch_end(self, trainer, epoch, logs):
        if self.kind == "epoch_end" and epoch == self.number:
            _die()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--kill")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()

    chainrule.manual_seed(0)
    generator = numpy.random.default_rng(1)
    x = generator.normal(size=(100, 5)).astype(numpy.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(numpy.int64)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    checkpoints = ModelCheckpoint(args.run_dir / "checkpoints", every_n_steps=3)
    callbacks = [EarlyStopping(patience=10, restore_best_weights=True), checkpoints, KillAt(args.kill)]
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, metrics=[Accuracy()], callbacks=callbacks,
                      scheduler=StepLR(optimizer, step_size=1, gamma=0.5))

    if args.kill and args.kill.startswith("write:"):
        step = int(args.kill.partition(":")[2])
        replace = os.replace

        def dying_replace(source, target):
            if trainer.global_step == step and str(target).endswith("last.safetensors"):
                _die()  # the new checkpoint is fully written to its temporary file, but not yet renamed
            replace(source, target)

        io.os.replace = dying_replace

    # A run killed before its first checkpoint starts again from scratch.
    resume_from = checkpoints.last_path if args.resume and checkpoints.last_path.exists() else None
    trainer.fit((x, y), epochs=4, validation_split=0.2, batch_size=16, resume_from=resume_from)
    history = [{key: value for key, value in row.items() if key not in ("seconds", "samples_per_second")}
               for row in trainer.history]
    chainrule.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history,
                    "global_step": trainer.global_step}, args.run_dir / "final.safetensors")


if __name__ == "__main__":
    main()

"""The `chainrule` console script's entry point, outside the package so that a Ctrl-C while chainrule and NumPy
are still being imported (a quarter of a second) ends quietly too, not with a traceback."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from chainrule.cli import main as run
    except KeyboardInterrupt:
        print("chainrule: interrupted while starting; nothing was written", file=sys.stderr)
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())

"""The large run of the file fuzz (tests/test_fuzz_files.py runs the same harness on 2,500 cases per file in CI).

Seeded mutations of a real state dict and a real mid-epoch training checkpoint; each must load with values
exactly equal to the original or raise CheckpointError. Prints the count of each outcome per file and loader,
the time, and every case that escaped (another exception, a wrong value, a timeout).

    python benchmarks/fuzz_files.py                  # 6,000 cases per file (12,000 in all), ~1 min
    python benchmarks/fuzz_files.py --cases 20000 --seed 3

Exit status 1 when a case escaped. Run from the repository root (it imports the harness from tests/).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_fuzz_files import CASE_TIMEOUT, make_files, run

OUTCOMES = ("equal", "CheckpointError")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6000, help="mutations per file (default 6000)")
    parser.add_argument("--seed", type=int, default=1, help="the CI test uses seed 0 (default 1)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        files = make_files(Path(folder))
        report = run(files, arguments.cases, Path(folder), seed=arguments.seed)

    print("## File fuzz (benchmarks/fuzz_files.py)\n")
    print(f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    print(f"- machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"- cases: {arguments.cases} per file, {report.cases} in all, seed {arguments.seed}, "
          f"per-case timeout {CASE_TIMEOUT} s")
    print(f"- time: {report.seconds:.1f} s ({report.seconds / report.cases * 1000:.2f} ms per case, all loaders)\n")
    others = sorted({outcome for (_, _, outcome) in report.counts if outcome not in OUTCOMES})
    columns = [*OUTCOMES, *others]
    print("| file | loader | " + " | ".join(columns) + " |")
    print("|---|---|" + "---:|" * len(columns))
    for file, loader in dict.fromkeys((file, loader) for (file, loader, _) in report.counts):
        cells = [str(report.counts[file, loader, outcome]) for outcome in columns]
        print(f"| {file} | {loader} | " + " | ".join(cells) + " |")
    print(f"\n{len(report.failures)} case(s) escaped (other exception, wrong value or timeout)")
    for line in report.failures[:50]:
        print(f"- {line}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())

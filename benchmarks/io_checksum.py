"""What the CRC32 checksums cost `chainrule.save` and `chainrule.load` on a ~100 MB float32 state dict.

Rows, for each layout (a few large tensors; many small ones):
- load, before: the reader `chainrule.load` used before checksums (safetensors' `safe_open` + `get_tensor`,
  as chainrule/io.py did), on a file without checksum: the reference;
- load, no checksum: today's reader on the same file (as for a file written by PyTorch);
- load, checked: today's reader on the file `chainrule.save` wrote, every tensor's CRC32 verified;
- save, before: `safetensors.numpy.save` + `write_atomically`, what `chainrule.save` did before;
- save, checksummed: `chainrule.save` (computes the CRC32s first).

"load" rows read a file in the page cache (just written, as when a checkpoint is reloaded): the CPU's time,
where the load is a memory copy and the checksum a second pass over the bytes. "cold load" rows drop the
file from the page cache first (posix_fadvise), so the load reads the disk. Saves include the fsync. Best of
several alternating rounds.

    python benchmarks/io_checksum.py              # 7 rounds, ~30 s
    python benchmarks/io_checksum.py --rounds 3   # quicker, noisier
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable

import numpy
import safetensors
import safetensors.numpy

import chainrule
from chainrule import backend, io
from chainrule.tensor import _wrap

LAYOUTS = {"4 x 25 MB": (4, (1250, 5000)), "2000 x 50 KB": (2000, (125, 100))}


def _load_before(path: str) -> dict[str, chainrule.Tensor]:
    """chainrule.load as it was before checksums, for a state dict: safetensors reads each tensor."""
    tensors = {}
    with safetensors.safe_open(path, framework="numpy") as file:
        file.metadata()
        names = file.keys()  # safetensors' reader is not iterable
        for key in names:
            file.get_slice(key).get_dtype()
            array = file.get_tensor(key)
            array = array if array.flags.writeable else array.copy()
            tensors[key] = _wrap(backend.move(array, backend.CPU), False, None)
    return tensors


def _evicted(path: str) -> str:
    """`path`, its pages dropped from the page cache first (POSIX), so that the load reads the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)
    return path


def _save_before(arrays: dict[str, numpy.ndarray], path: str) -> None:
    io.write_atomically(path, safetensors.numpy.save(arrays))


def _time(function: Callable[[], object], rounds: list[float]) -> None:
    gc.collect()
    start = time.perf_counter()
    function()
    rounds.append(time.perf_counter() - start)


def _measure(layout: str, arrays: dict[str, numpy.ndarray], folder: str, rounds: int) -> list[str]:
    """The table rows of one layout."""
    plain, checked = os.path.join(folder, "plain.safetensors"), os.path.join(folder, "checked.safetensors")
    _save_before(arrays, plain)
    chainrule.save(arrays, checked)
    for loaded in (_load_before(plain), chainrule.load(plain), chainrule.load(checked)):  # check before timing
        assert all(numpy.array_equal(loaded[key].numpy(), array) for key, array in arrays.items())
    cases = {
        "load, before": lambda: _load_before(plain),
        "load, no checksum": lambda: chainrule.load(plain),
        "load, checked": lambda: chainrule.load(checked),
        "cold load, before": lambda: _load_before(_evicted(plain)),
        "cold load, no checksum": lambda: chainrule.load(_evicted(plain)),
        "cold load, checked": lambda: chainrule.load(_evicted(checked)),
        "save, before": lambda: _save_before(arrays, os.path.join(folder, "a.safetensors")),
        "save, checksummed": lambda: chainrule.save(arrays, os.path.join(folder, "b.safetensors")),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for function in cases.values():  # warm-up
        function()
    for _ in range(rounds):
        for name, function in cases.items():
            _time(function, times[name])
            print(f"{layout}: {name} {times[name][-1] * 1000:.1f} ms", file=sys.stderr)
    megabytes = sum(array.nbytes for array in arrays.values()) / 1e6
    lines = []
    for name in cases:
        reference = min(times[name.rsplit(", ", 1)[0] + ", before"])
        best, median = min(times[name]), sorted(times[name])[len(times[name]) // 2]
        lines.append(f"| {layout} ({megabytes:.0f} MB) | {name} | {best * 1000:.1f} | {median * 1000:.1f} | "
                     f"{best / reference:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    rng = numpy.random.default_rng(0)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for layout, (count, shape) in LAYOUTS.items():
            arrays = {f"layer{index}.weight": rng.standard_normal(shape, dtype=numpy.float32) for index in range(count)}
            lines += _measure(layout, arrays, folder, arguments.rounds)

    print("## Checksums on save and load (benchmarks/io_checksum.py)\n")
    print(f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    print(f"- machine: {platform.machine()}, {platform.system()} {platform.release()}, {os.cpu_count()} CPUs")
    print(f"- versions: Python {platform.python_version()}, NumPy {numpy.__version__}, "
          f"safetensors {safetensors.__version__}")
    print(f"- protocol: best of {arguments.rounds} alternating rounds (median beside it); ratio = best / best of "
          "the 'before' row of the same kind; 'cold': the file dropped from the page cache before each load\n")
    print("| state dict | case | best ms | median ms | ratio |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(lines))
    print("\nTarget (issue 10): a checked load at most 1.10 x the load before checksums.")


if __name__ == "__main__":
    main()

"""The rows of pooling, adaptive pooling and nearest interpolation (chainrule.ops.pooling, .interpolate)
against torch.nn.functional.

Inputs are a random permutation of distinct values in [-0.5, 0.5), so no window of a max pool has a tie
(where the gradient is a convention: see tests/ops/test_pooling.py for ties). With return_indices the
indices are compared with PyTorch's as a second output.
"""

from __future__ import annotations

from collections.abc import Iterator

from tests.ops.op_table.info import Distinct, OpInfo, Sample, functional, sample, transposed

WINDOW_VALUES = Distinct(-0.5, 0.5)


def _max_pool2d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 6, 8), kernel_size=2, tag="k2")
    yield sample((2, 2, 7, 9), kernel_size=2, tag="k2-odd-floor")
    yield sample((2, 2, 7, 9), kernel_size=2, ceil_mode=True, tag="k2-odd-ceil")
    yield sample((2, 2, 5, 6), kernel_size=3, stride=1, tag="k3-s1-overlap")
    yield sample((2, 2, 7, 8), kernel_size=3, stride=2, padding=1, tag="k3-s2-p1")
    yield sample((1, 2, 8, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True, tag="k3-s2-p1-ceil")
    yield sample((2, 2, 6, 7), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), tag="rect")
    yield sample((1, 2, 8, 9), kernel_size=3, stride=1, dilation=2, tag="dilation")
    yield sample((2, 2, 9, 7), kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(2, 1), ceil_mode=True,
                 tag="dilation-pad-ceil")
    yield sample((2, 2, 8, 8), kernel_size=2, stride=3, tag="stride-gt-kernel")
    yield sample((1, 2, 3, 4), kernel_size=1, tag="k1")
    yield sample((3, 7, 7), kernel_size=3, stride=2, padding=1, tag="unbatched")
    yield sample(transposed(2, 3, 6, 8), kernel_size=2, tag="noncontig")
    yield sample(transposed(2, 2, 7, 6), kernel_size=3, stride=2, padding=1, tag="noncontig-overlap")
    yield sample((2, 2, 7, 8), kernel_size=3, stride=2, padding=1, return_indices=True, tag="indices")


def _max_pool1d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 10), kernel_size=2, tag="k2")
    yield sample((2, 3, 10), kernel_size=3, stride=2, padding=1, ceil_mode=True, tag="k3-s2-p1-ceil")
    yield sample((2, 2, 11), kernel_size=3, stride=1, dilation=3, tag="dilation")
    yield sample((3, 11), kernel_size=2, stride=1, tag="unbatched")
    yield sample(transposed(2, 4, 9), kernel_size=3, stride=2, tag="noncontig")


def _avg_pool2d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 6, 8), kernel_size=2, tag="k2")
    yield sample((2, 2, 5, 6), kernel_size=3, stride=1, tag="k3-s1-overlap")
    yield sample((2, 2, 7, 8), kernel_size=3, stride=2, padding=1, tag="k3-s2-p1")
    yield sample((2, 2, 7, 8), kernel_size=3, stride=2, padding=1, count_include_pad=False,
                 tag="k3-s2-p1-exclude-pad")
    yield sample((2, 2, 8, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True, tag="ceil-pad")
    yield sample((2, 2, 8, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False,
                 tag="ceil-pad-exclude-pad")
    yield sample((2, 2, 6, 7), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), divisor_override=4,
                 tag="rect-divisor")
    yield sample((3, 7, 7), kernel_size=2, tag="unbatched")
    yield sample(transposed(2, 3, 7, 6), kernel_size=3, stride=2, padding=1, tag="noncontig")


def _avg_pool1d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 10), kernel_size=2, tag="k2")
    yield sample((2, 3, 10), kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False,
                 tag="ceil-exclude-pad")
    yield sample((3, 11), kernel_size=3, stride=1, padding=1, tag="unbatched")
    yield sample(transposed(2, 4, 9), kernel_size=3, stride=2, padding=1, tag="noncontig")


def _adaptive_avg_pool2d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 7, 5), output_size=(3, 2), tag="uneven")
    yield sample((2, 3, 4, 5), output_size=1, tag="global")
    yield sample((2, 2, 4, 7), output_size=(None, 3), tag="keep-height")
    yield sample((1, 2, 3, 4), output_size=(5, 6), tag="grow")
    yield sample((3, 7, 6), output_size=4, tag="unbatched")
    yield sample(transposed(2, 2, 6, 7), output_size=(4, 3), tag="noncontig")


def _adaptive_avg_pool1d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 10), output_size=4, tag="uneven")
    yield sample(transposed(2, 4, 9), output_size=3, tag="noncontig")


def _interpolate_samples() -> Iterator[Sample]:
    yield sample((2, 2, 5, 7), size=(9, 3), tag="size")
    yield sample((2, 2, 3, 4), scale_factor=2, tag="scale-2")
    yield sample((2, 2, 5, 7), scale_factor=1.7, tag="scale-fraction")
    yield sample((1, 2, 6, 5), scale_factor=(0.5, 2.5), tag="scale-pair")
    yield sample((1, 2, 5, 7), scale_factor=1.7, recompute_scale_factor=True, tag="recompute")
    yield sample((2, 3, 5), size=12, tag="1d")
    yield sample(transposed(2, 2, 5, 4), scale_factor=3, tag="noncontig")


def _upsample_samples() -> Iterator[Sample]:
    yield sample((2, 2, 3, 4), scale_factor=2, tag="scale-2")
    yield sample(transposed(2, 3, 5), size=8, tag="size-1d-noncontig")


def _pool(name: str, samples, ignore_warning: str = "") -> OpInfo:
    return OpInfo(name, *functional(name, ignore_warning), samples, WINDOW_VALUES, every_device=True)


POOLING_ROWS: list[OpInfo] = [
    _pool("max_pool2d", _max_pool2d_samples),
    _pool("max_pool1d", _max_pool1d_samples),
    _pool("avg_pool2d", _avg_pool2d_samples),
    _pool("avg_pool1d", _avg_pool1d_samples),
    _pool("adaptive_avg_pool2d", _adaptive_avg_pool2d_samples),
    _pool("adaptive_avg_pool1d", _adaptive_avg_pool1d_samples),
    _pool("interpolate", _interpolate_samples),
    # PyTorch keeps nn.functional.upsample but warns that it is deprecated
    _pool("upsample", _upsample_samples, "`nn.functional.upsample` is deprecated"),
]

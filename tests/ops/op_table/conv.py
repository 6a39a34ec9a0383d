"""The rows of the convolutions (chainrule.ops.conv) against torch.nn.functional: stride, padding (incl. 'same'
with even kernels), dilation, groups (incl. depthwise), bias or not, unbatched and non-contiguous inputs, and
inputs large enough for one product per image (conv._per_image).

Inputs, weights and biases are Gaussian leaves; the checks run on every device, and the second-order gradients
(the vjp of a convolution is a transposed convolution and the other way round) are compared with PyTorch's.
"""

from __future__ import annotations

from collections.abc import Iterator

from tests.ops.op_table.info import NORMAL, OpInfo, Sample, functional, sample, transposed

# float32 to 1e-4: im2col products sum in another order than PyTorch's kernels, on every device (the CPU
# passes at TOLERANCES; the looser bound is the one the convolutions have always been held to)
CONV_TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-5}}


def _conv2d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 5, 6), (4, 3, 3, 2), (4,))
    yield sample((2, 2, 4, 5), (3, 2, 2, 2), tag="nobias")
    yield sample((2, 2, 5, 6), (3, 2, 3, 3), (3,), stride=(2, 1), padding=(1, 2), tag="stride-padding")
    yield sample((1, 2, 6, 6), (2, 2, 2, 3), (2,), stride=3, tag="stride-leftover")
    yield sample((2, 2, 6, 5), (2, 2, 2, 2), (2,), dilation=(2, 3), padding=1, tag="dilation")
    yield sample((2, 4, 4, 4), (6, 2, 3, 2), (6,), groups=2, padding=1, tag="groups")
    yield sample((2, 3, 4, 5), (6, 1, 3, 3), (6,), groups=3, padding="same", tag="depthwise")
    yield sample((2, 2, 4, 5), (3, 2, 2, 4), (3,), padding="same", tag="same-even-kernel")
    yield sample((1, 2, 5, 6), (2, 2, 2, 3), padding="same", dilation=(3, 2), tag="same-dilated")
    yield sample((2, 2, 4, 4), (3, 2, 3, 3), (3,), padding="valid", tag="valid")
    yield sample((2, 5, 4), (3, 2, 3, 3), (3,), padding=1, tag="unbatched")
    yield sample(transposed(2, 2, 5, 4), (3, 2, 3, 2), (3,), stride=2, tag="noncontig")
    yield sample((2, 3, 5, 5), (2, 3, 1, 1), (2,), stride=2, tag="1x1-stride")
    # at least 256 output positions an image: one product per image (conv._per_image)
    yield sample((2, 1, 18, 18), (3, 1, 3, 3), (3,), tag="per-image")
    yield sample((1, 2, 20, 19), (2, 2, 3, 2), padding=2, dilation=(2, 3), tag="per-image-padding-dilation")
    yield sample(transposed(1, 2, 33, 34), (2, 2, 2, 3), (2,), stride=2, tag="per-image-stride-noncontig")


def _conv1d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 7), (4, 3, 3), (4,))
    yield sample((2, 3, 9), (6, 1, 3), (6,), stride=2, padding=2, dilation=2, groups=3,
                 tag="stride-dilation-groups")
    yield sample((2, 2, 6), (3, 2, 4), padding="same", tag="same-even-kernel")
    yield sample((3, 7), (2, 3, 3), (2,), padding=1, tag="unbatched")
    yield sample(transposed(2, 2, 5), (2, 2, 3), (2,), tag="noncontig")
    yield sample((2, 2, 260), (3, 2, 3), (3,), padding=1, tag="per-image")


def _conv_transpose2d_samples() -> Iterator[Sample]:
    yield sample((2, 3, 3, 4), (3, 2, 3, 2), (2,))
    yield sample((2, 2, 3, 3), (2, 3, 3, 3), (3,), stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                 tag="stride-padding-output_padding")
    yield sample((2, 4, 3, 3), (4, 3, 2, 2), (6,), groups=2, stride=2, tag="groups")
    yield sample((1, 2, 3, 3), (2, 2, 2, 3), (2,), dilation=2, padding=1, output_padding=1, tag="dilation")
    yield sample((2, 3, 3), (2, 3, 2, 2), stride=2, tag="unbatched-nobias")
    yield sample(transposed(2, 2, 4, 3), (2, 2, 2, 2), (2,), padding=1, tag="noncontig")


def _conv(name: str, samples) -> OpInfo:
    # PyTorch warns that its 'same' padding with an even kernel copies the input: its business, not ours
    return OpInfo(name, *functional(name, ignore_warning="Using padding='same'"), samples, NORMAL,
                  tolerances=CONV_TOLERANCES, every_device=True, second_order_torch=True)


CONV_ROWS: list[OpInfo] = [
    _conv("conv2d", _conv2d_samples),
    _conv("conv1d", _conv1d_samples),
    _conv("conv_transpose2d", _conv_transpose2d_samples),
]

"""The op table: every differentiable op, its PyTorch twin, its sample inputs and their domain.

One row per op (or calling convention of an op), as PyTorch's OpInfo (see info.py for the fields). The
generic tests (test_gradcheck.py, test_torch_equality.py) loop over OP_TABLE and run every row through the
checks of tests/ops/harness.py, so adding an op means adding a row to one of the modules here:

    core.py        chainrule.ops: arithmetic, elementwise, reductions, shape and indexing; numerical tails
    activation.py  leaky_relu, elu, gelu, silu, softplus, softmax, log_softmax
    conv.py        conv1d, conv2d, conv_transpose2d
    loss.py        cross_entropy, nll_loss, the regression losses, binary cross-entropy, kl_div
    nn.py          linear, layer_norm, batch_norm, embedding, dropout, dropout2d
    pooling.py     max, average and adaptive pooling, nearest interpolation
    recurrent.py   the LSTM, GRU and RNN cells and sequence functions

Each module exports a list of rows; what is specific to a family and not table-driven (error messages,
properties such as a dropout mask or a fast path) stays in the family's test file.
"""

from __future__ import annotations

from tests.ops.op_table.activation import ACTIVATION_ROWS
from tests.ops.op_table.aliases import ALIASES_ROWS
from tests.ops.op_table.conv import CONV_ROWS
from tests.ops.op_table.core import CORE_ROWS, TAIL_ROWS
from tests.ops.op_table.decompositions import DECOMPOSITIONS_ROWS
from tests.ops.op_table.info import (
    HIGH_LATTICE,
    LOW_LATTICE,
    LOWER_BOUND,
    NO_TIES,
    NONZERO,
    NORMAL,
    POSITIVE,
    REAL,
    TAILS,
    TOLERANCES,
    UPPER_BOUND,
    Arg,
    Distinct,
    Domain,
    Lattice,
    Normal,
    OpInfo,
    Sample,
    Tails,
    Uniform,
    constant,
    fixed,
    functional,
    listed,
    sample,
    strided,
    torch_constant,
    transposed,
)
from tests.ops.op_table.layout import LAYOUT_ROWS
from tests.ops.op_table.loss import LOSS_ROWS
from tests.ops.op_table.nn import NN_ROWS
from tests.ops.op_table.pointwise import POINTWISE_ROWS
from tests.ops.op_table.pooling import POOLING_ROWS
from tests.ops.op_table.products import PRODUCTS_ROWS
from tests.ops.op_table.recurrent import RECURRENT_ROWS
from tests.ops.op_table.sampling import SAMPLING_ROWS
from tests.ops.op_table.scans import SCANS_ROWS
from tests.ops.op_table.scatter import SCATTER_ROWS
from tests.ops.op_table.sorting import SORTING_ROWS
from tests.ops.op_table.special import SPECIAL_ROWS

# the rows of chainrule.nn.functional and chainrule.ops.recurrent, by family
FAMILY_ROWS: dict[str, list[OpInfo]] = {
    "activation": ACTIVATION_ROWS,
    "conv": CONV_ROWS,
    "loss": LOSS_ROWS,
    "nn": NN_ROWS,
    "pooling": POOLING_ROWS,
    "recurrent": RECURRENT_ROWS,
    "pointwise": POINTWISE_ROWS,
    "scans": SCANS_ROWS,
    "sorting": SORTING_ROWS,
    "scatter": SCATTER_ROWS,
    "layout": LAYOUT_ROWS,
    "products": PRODUCTS_ROWS,
    "decompositions": DECOMPOSITIONS_ROWS,
    "special": SPECIAL_ROWS,
    "sampling": SAMPLING_ROWS,
    "aliases": ALIASES_ROWS,
}

OP_TABLE: list[OpInfo] = [*CORE_ROWS, *TAIL_ROWS, *(row for rows in FAMILY_ROWS.values() for row in rows)]


def cases() -> list[tuple[OpInfo, Sample]]:
    """Every (row, sample) pair, in table order."""
    return [(row, each) for row in OP_TABLE for each in row.samples()]


__all__ = [
    "ACTIVATION_ROWS", "CONV_ROWS", "CORE_ROWS", "FAMILY_ROWS", "HIGH_LATTICE", "LOSS_ROWS", "LOWER_BOUND",
    "LOW_LATTICE", "NN_ROWS", "NONZERO", "NORMAL", "NO_TIES", "OP_TABLE", "POOLING_ROWS", "POSITIVE", "REAL",
    "RECURRENT_ROWS", "TAILS", "TAIL_ROWS", "TOLERANCES", "UPPER_BOUND", "Arg", "Distinct", "Domain", "Lattice",
    "Normal", "OpInfo", "Sample", "Tails", "Uniform", "cases", "constant", "fixed", "functional", "listed",
    "sample", "strided", "torch_constant", "transposed",
]

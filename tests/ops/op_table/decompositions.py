"""The rows of chainrule.ops.decompositions."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

DECOMPOSITIONS_ROWS: list[OpInfo] = []

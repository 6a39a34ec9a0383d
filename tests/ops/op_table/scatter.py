"""The rows of chainrule.ops.scatter."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

SCATTER_ROWS: list[OpInfo] = []

"""The rows of chainrule.ops.pointwise."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

POINTWISE_ROWS: list[OpInfo] = []

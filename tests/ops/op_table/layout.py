"""The rows of chainrule.ops.layout."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

LAYOUT_ROWS: list[OpInfo] = []

"""The rows of chainrule.ops.sorting."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

SORTING_ROWS: list[OpInfo] = []

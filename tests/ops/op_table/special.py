"""The rows of chainrule.ops.special."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

SPECIAL_ROWS: list[OpInfo] = []

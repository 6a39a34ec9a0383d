"""The rows of chainrule.ops.aliases."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

ALIASES_ROWS: list[OpInfo] = []

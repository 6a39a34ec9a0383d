"""The rows of chainrule.ops.sampling."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

SAMPLING_ROWS: list[OpInfo] = []

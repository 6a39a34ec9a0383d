"""The rows of chainrule.ops.scans."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

SCANS_ROWS: list[OpInfo] = []

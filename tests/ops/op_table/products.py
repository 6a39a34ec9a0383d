"""The rows of chainrule.ops.products."""

from __future__ import annotations

from tests.ops.op_table.info import OpInfo

PRODUCTS_ROWS: list[OpInfo] = []

"""What other domain apps show on a case's pages and documents, registered from their `ready`,
so the case reads it without importing them (the dependency points from them to cases).

aftersales.sla provides the clock panel's rows (`provide_clocks`); the rows of the case itself
that other apps keep (`case.clocks`, `case.escalations`) are `cases.models.RELATED_ROWS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aftersales.cases.models import Case

ClockRows = Callable[[Case], list[Any]]

_clocks: list[ClockRows] = []


def provide_clocks(rows: ClockRows) -> None:
    """Register the function giving a case's clocks as the pages show them (one; again replaces it)."""
    _clocks[:] = [rows]


def case_clocks(case: Case) -> list[Any]:
    """The case's clocks for its page and its staff summary: none when no app provides them."""
    return _clocks[0](case) if _clocks else []

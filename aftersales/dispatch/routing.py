"""Choosing an engineer: pure logic, no Django, so its promises are proved with generated data.

A candidate is ranked by, in this order: on duty (someone on duty always comes before someone
off duty), skilled for the fault's vendor or product, at the site's service office or region,
the weighted count of their open cases (fewer first), then the user id (a stable tie-break).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# An open case weighs by its severity: a severity-A case keeps an engineer busier than a D.
SEVERITY_WEIGHT = {"A": 4, "B": 3, "C": 2, "D": 1}


@dataclass(frozen=True)
class Candidate:
    user_id: int
    on_duty: bool
    skilled: bool
    nearby: bool
    load: int
    open_cases: int = 0

    def rank(self) -> tuple[bool, bool, bool, int, int]:
        return (not self.on_duty, not self.skilled, not self.nearby, self.load, self.user_id)


def choose(candidates: Iterable[Candidate]) -> Candidate | None:
    """The best candidate, or None when there is none."""
    return min(candidates, key=Candidate.rank, default=None)


def weighted_load(open_by_severity: dict[str, int]) -> int:
    return sum(SEVERITY_WEIGHT.get(severity, 1) * count for severity, count in open_by_severity.items())

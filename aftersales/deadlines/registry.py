"""Deadline and alarm kinds: the owning app declares, per kind, what a breach and a firing do,
in its `AppConfig.ready` (like the timeline's and the notifications' registries).

The sweep hands each handler every row of its kind it claimed in one batch, inside the claiming
transaction, already marked (breached or fired): a handler writes what the moment means to its
subject — a timeline entry, notifications in the outbox — and raising rolls the whole batch
back, marks included, for the next sweep to try again. The mechanism knows no domain app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple


class Breach(NamedTuple):
    """A deadline whose due time passed unmet, recorded once (at its due time)."""

    pk: int
    kind: str
    subject_type_id: int
    subject_id: int
    due_at: dt.datetime


class Firing(NamedTuple):
    """An alarm claimed to fire once."""

    pk: int
    kind: str
    subject_type_id: int
    subject_id: int
    ref: int | None
    deadline_id: int | None
    deadline_kind: str | None
    fire_at: dt.datetime


# How a kind's time left reads: in business minutes and hours (the default), or in whole working
# days of its calendar ("剩余 3 个工作日") for deadlines counted in days.
MINUTES, DAYS = "minutes", "days"

OnBreach = Callable[[Sequence[Breach], dt.datetime], None]
OnFire = Callable[[Sequence[Firing], dt.datetime], None]


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any = None
    on_breach: OnBreach | None = None
    on_fire: OnFire | None = None
    unit: str = MINUTES


_kinds: dict[str, Kind] = {}


def register(
    name: str,
    *,
    label: Any = None,
    on_breach: OnBreach | None = None,
    on_fire: OnFire | None = None,
    unit: str = MINUTES,
) -> Kind:
    """Declare a kind (a deadline kind with `on_breach`, an alarm kind with `on_fire`; `unit`
    DAYS for a deadline whose time left reads in working days). Registering a name again
    replaces it (tests, reloads)."""
    kind = Kind(name, label, on_breach, on_fire, unit)
    _kinds[name] = kind
    return kind


def get(name: str) -> Kind:
    """The registered kind, or a silent one: a kind nobody registered is still marked breached
    or fired once, with nothing else done."""
    return _kinds.get(name) or Kind(name)


def label(name: str) -> str:
    kind = _kinds.get(name)
    return str(kind.label) if kind is not None and kind.label is not None else name

"""Reading deadlines: what is due for a subject, its next due time, what falls due soon.

Whether the reader may see the subject at all stays the caller's scoped query (for cases,
`cases.queries.visible_cases(user)`): these helpers take a subject the caller already may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Min, QuerySet

from aftersales.deadlines.models import RUNNING, Deadline


def for_subject(subject: models.Model, *, kinds: Iterable[str] | None = None) -> QuerySet[Deadline]:
    """Every deadline of `subject` (of `kinds`), nearest due first: met, stopped and running."""
    deadlines = Deadline.objects.for_subject(subject)
    return deadlines.filter(kind__in=list(kinds)) if kinds is not None else deadlines


def due_for(subject: models.Model, *, kinds: Iterable[str] | None = None) -> QuerySet[Deadline]:
    """What is due for this subject: its deadlines still counting (not met, stopped or paused)."""
    return for_subject(subject, kinds=kinds).filter(RUNNING)


def next_due(deadlines: QuerySet) -> dt.datetime | None:
    """The nearest due time among the running deadlines of `deadlines` (None if none runs)."""
    return deadlines.filter(RUNNING).aggregate(due=Min("due_at"))["due"]


def due_by(moment: dt.datetime) -> QuerySet[Deadline]:
    """Running deadlines due by `moment`, breached or not (served by the running-due index)."""
    return Deadline.objects.filter(RUNNING, due_at__lte=moment)

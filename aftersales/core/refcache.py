"""Reference data kept in each process: rows that change rarely (service targets, calendars,
escalation and assignment rules, charge standards, who holds which role) read once instead of on
every case opened.

    targets = refcache.cached("sla.targets", (ServiceTarget, BusinessCalendar), load_targets)

What `load` returns is kept until a row of one of the named models is saved or deleted (or, for
a many-to-many relation such as a user's groups, changed) — in this process or in any other:

- a change bumps one generation number in the shared cache (`CACHES["default"]`: the files
  under var/ on one host, Redis across hosts), once at once and once more when the change's
  transaction commits; a kept value is used only while the generation is the one it was read
  under, so another process sees the change on its next look-up;
- a value read while this process has an uncommitted change of one of its models is not kept
  (it could be rolled back).

Changes that bypass the model's signals (`QuerySet.update()`, raw SQL, `bulk_create`) are not
seen: reference data are edited through the admin and the services, which save rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "refcache:generation"

T = TypeVar("T")

_kept: dict[str, tuple[int, Any]] = {}
_watched: set[type[Model]] = set()
# Models with a change not committed yet in this process: values read now are not kept.
_uncommitted: set[type[Model]] = set()


def cached(name: str, models: Iterable[type[Model]], load: Callable[[], T]) -> T:
    """`load()`, kept under `name` until a row of one of `models` changes (see the module)."""
    models = tuple(models)
    for model in models:
        if model not in _watched:
            watch(model)
    generation = _generation()
    kept = _kept.get(name)
    if kept is not None and kept[0] == generation:
        return kept[1]
    value = load()
    if not _uncommitted.intersection(models):
        _kept[name] = (generation, value)
    return value


def watch(model: type[Model], *through: type[Model]) -> None:
    """Forget the kept values when `model` (or one of the `through` tables of its many-to-many
    relations) changes. `cached` watches its models itself; a relation's table is named here."""
    for sender in (model, *through):
        post_save.connect(_changed, sender=sender, dispatch_uid=f"refcache-save-{sender._meta.label}")
        post_delete.connect(_changed, sender=sender, dispatch_uid=f"refcache-delete-{sender._meta.label}")
        m2m_changed.connect(_changed, sender=sender, dispatch_uid=f"refcache-m2m-{sender._meta.label}")
        _watched.add(sender)


def changed(model: type[Model]) -> None:
    """Say that rows of `model` changed without its signals (a bulk insert or update)."""
    _changed(model)


def clear() -> None:
    """Forget everything kept in this process (tests: the database is rolled back under it)."""
    _kept.clear()
    _uncommitted.clear()


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted, or a fresh cache): any new value invalidates
        cache.set(GENERATION_KEY, _generation() + 1, timeout=None)
    _kept.clear()


def _changed(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: act once the relation has changed
    model = sender
    _bump()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        _uncommitted.add(model)

        def committed() -> None:
            _uncommitted.discard(model)
            _bump()

        transaction.on_commit(committed)

"""Live pages: what a page shows carries a version, and a page asks whether it changed.

A page that updates without a reload (the queue, the case page, the dispatch board, the
portal's list) polls its own address with `?partial=live` and the version it last saw in
`If-None-Match`. The view computes the version first — a cache read, at most one small query —
and answers 304 when it is the same; only when it differs does it render the fragment, sent
with the new version as its ETag (docs/operations.md, "Live updates").

A version is made of *tokens* kept in the cache (Redis in production, shared by every web
process): each model that pages follow has one token for all its rows (`"cases.case"`) and
one per row (`"cases.case:42"`), replaced by a fresh random value when a row changes. The
tokens are replaced after the transaction that changed the rows commits, so a page that sees
a new version renders committed data. A token missing from the cache (never written, evicted
or expired) reads as empty: at worst a page renders its fragment once more than needed.

The kernel knows no domain model: apps call `changed(...)` for what they write (the timeline
does for every entry's subject) or `follow(Model)` to have every save and delete of a model
announced.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

# How often a page asks (seconds); a hidden tab does not ask at all.
POLL_SECONDS = 5
# A token is kept this long after its last change (then reads as empty: one extra render).
TOKEN_SECONDS = 7 * 24 * 3600
PREFIX = "live:"
PARTIAL = "live"


def poll_seconds() -> int:
    return int(getattr(settings, "LIVE_POLL_SECONDS", POLL_SECONDS))


def model_topic(label: str) -> str:
    """The token of every row of a model, e.g. "cases.case"."""
    return label.lower()


def row_topic(label: str, pk: object) -> str:
    """The token of one row, e.g. "cases.case:42"."""
    return f"{label.lower()}:{pk}"


def changed(label: str, pks: Iterable[object]) -> None:
    """Rows `pks` of model `label` ("app_label.model") changed: replace their tokens and the
    model's once the current transaction commits (at once outside a transaction; never if it
    rolls back)."""
    topics = {model_topic(label)} | {row_topic(label, pk) for pk in pks}
    transaction.on_commit(lambda: _write(topics))


def changed_row(instance: models.Model) -> None:
    changed(instance._meta.label_lower, [instance.pk])


def _write(topics: set[str]) -> None:
    # One round trip; a token that expires reads as empty, which only renders a page once more.
    cache.set_many({PREFIX + topic: secrets.token_hex(6) for topic in topics}, timeout=TOKEN_SECONDS)


def _on_save(sender, instance, **kwargs) -> None:
    changed_row(instance)


def follow(model: type[models.Model]) -> None:
    """Announce every save and delete of `model` (and its subclasses' saves through it)."""
    uid = f"live-{model._meta.label_lower}"
    post_save.connect(_on_save, sender=model, dispatch_uid=uid + "-save", weak=False)
    post_delete.connect(_on_save, sender=model, dispatch_uid=uid + "-delete", weak=False)


def tokens(topics: Iterable[str]) -> list[str]:
    """The current tokens of `topics`, in their order (empty for one never written)."""
    topics = list(topics)
    found = cache.get_many([PREFIX + topic for topic in topics])
    return [found.get(PREFIX + topic, "") for topic in topics]


def version(*parts: object) -> str:
    """A short version from anything that identifies what a page shows."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).hexdigest()


def is_poll(request: HttpRequest) -> bool:
    return request.GET.get("partial") == PARTIAL


def answer(request: HttpRequest, current: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The answer to a page's poll: 304 when the version it saw is `current`, else the fragment
    `render()` gives, with `current` as its ETag. Never stored by a cache between."""
    etag = f'"{current}"'
    seen = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    response = HttpResponse(status=304) if etag in seen else render()
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response

"""Entry kinds: each app registers, per kind it records, how an entry of that kind reads.

A kind is a plain string owned by one app ("case.status", or the case's historical
"status"); its label and its renderers run at read time, in the reader's language, so the
stored `data` never holds a translated word. Register in the owning app's `AppConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Change:
    """One line of a rendered entry: a field's label, its value before and after (display text)."""

    label: str
    before: str
    after: str


ChangesRenderer = Callable[[Mapping[str, Any]], list[Change]]
TextRenderer = Callable[[Mapping[str, Any]], str]


def raw_changes(data: Mapping[str, Any]) -> list[Change]:
    """The default: `data["changes"]` as {label: [before, after]}, shown as stored."""
    return [Change(str(name), _text(pair[0]), _text(pair[1])) for name, pair in (data.get("changes") or {}).items()]


def raw_text(data: Mapping[str, Any]) -> str:
    """The default: `data["text"]`, the words a person wrote (a note, a reply), shown as written."""
    return str(data.get("text") or "")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class EntryKind:
    name: str
    label: str | Promise
    changes: ChangesRenderer = field(default=raw_changes)
    text: TextRenderer = field(default=raw_text)


_KINDS: dict[str, EntryKind] = {}


def register(
    name: str,
    *,
    label: str | Promise,
    changes: ChangesRenderer | None = None,
    text: TextRenderer | None = None,
) -> EntryKind:
    """Declare how entries of kind `name` read. `label` is a lazy translation; `changes` turns
    `data` into before → after lines with translated field labels and display values; `text`
    into the entry's prose. Registering a kind again replaces it (AppConfig.ready may run twice
    in tests); two apps must not share a kind name."""
    kind = EntryKind(name, label, changes or raw_changes, text or raw_text)
    _KINDS[name] = kind
    return kind


def get(name: str) -> EntryKind:
    """The registered kind, or a plain one (label = the name) for a kind nobody registered."""
    return _KINDS.get(name) or EntryKind(name, name)


def kind_label(name: str) -> str:
    return str(get(name).label)


def registered() -> Mapping[str, EntryKind]:
    return dict(_KINDS)

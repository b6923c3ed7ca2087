"""Document kinds: which template renders a kind, for which model, with which context.

A domain app registers its kinds in its `AppConfig.ready`; the mechanism never imports a
domain app, it only looks kinds up here by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import DomainError


class DocumentError(DomainError):
    """A document cannot be requested as asked (unknown kind, wrong subject, language …)."""


@dataclass(frozen=True)
class DocumentKind:
    """What a kind of document is made of.

    `build_context(subject=…, audience=…)` returns the template's context; it runs in the worker
    with the document's language and time zone active, so `gettext` and `localtime` in it
    already speak to the recipient. `filename(subject)` is the download name without version
    and extension, e.g. "CS202611-000123-summary".

    A kind that is not a PDF drawn from a template (an Excel export) gives `produce(subject=…,
    audience=…)` instead: it runs in the worker like `build_context` and returns an open file,
    rewound, whose bytes are stored as they are (copied to storage in chunks, never read whole
    into memory); `extension` and `content_type` say what the file is. `on_ready(document)`
    runs in the worker once a version is stored (to tell the requester, say).
    """

    name: str
    model: type[Model]
    template: str
    build_context: Callable[..., dict[str, Any]]
    filename: Callable[[Any], str]
    label: Any = ""
    produce: Callable[..., IO[bytes]] | None = None
    extension: str = "pdf"
    content_type: str = "application/pdf"
    on_ready: Callable[[Any], None] | None = None


_KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> None:
    """Make `kind` known by its name. Registering the same definition again (a second
    `ready()` in tests) is harmless; two different definitions under one name fail loudly."""
    known = _KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"document kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind


def get_kind(name: str) -> DocumentKind:
    """The registered kind called `name`; DocumentError when there is none."""
    try:
        return _KINDS[name]
    except KeyError:
        raise DocumentError(_("Unknown kind of document: %(kind)s") % {"kind": name}) from None


def registered_kinds() -> dict[str, DocumentKind]:
    return dict(_KINDS)

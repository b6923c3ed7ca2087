"""HTML → PDF with WeasyPrint: the recipient's language and time zone, nothing fetched."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# Documents are read in China: dates print in Beijing time, whatever the server runs in.
DOCUMENT_TIME_ZONE = "Asia/Shanghai"
# WeasyPrint reports every rendering step at INFO; the worker's log needs only its problems.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def page_counter_css() -> str:
    """The footer's CSS `content` value in the active language: "第 " counter(page) " 页 / 共 "
    counter(pages) " 页" in Chinese, "Page " counter(page) " of " counter(pages) in English."""
    parts = []
    for piece in _PLACEHOLDER.split(_("Page %(page)s of %(pages)s")):
        if piece in _COUNTERS:
            parts.append(_COUNTERS[piece])
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts)


_PLACEHOLDER = re.compile(r"(%\(pages?\)s)")
_COUNTERS = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}


@contextmanager
def recipient_locale(language: str):
    """The recipient's language and Beijing time, for building the context and rendering."""
    with translation.override(language), timezone.override(DOCUMENT_TIME_ZONE):
        yield


def company_name() -> str:
    return getattr(settings, "DOCUMENT_COMPANY_NAME", "") or _("After-sales service")


def render_pdf(*, template: str, context: dict, language: str) -> bytes:
    """`template` rendered with `context` in `language` and Beijing time, as PDF bytes.

    The HTML may reference nothing outside itself: every URL but `data:` is refused, so a
    document never reads a local file or reaches the network, whatever text a case holds.
    Fonts come from the system's fontconfig (Noto Sans CJK, installed by `make`)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    with recipient_locale(language):
        html = render_to_string(
            template,
            {
                **context,
                "company_name": company_name(),
                "page_counter": page_counter_css(),
                "language": language,
                "printed_at": timezone.localtime(),
            },
        )
    fetcher = URLFetcher(allowed_protocols=("data",))
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()

"""What a notification says: the templates of its kind, rendered in the recipient's language.

Templates live in `notifications/<kind>-subject.txt`, `-body.txt`, `-body.html` and
`-sms.txt` (the short text for SMS and group chats; the subject when a kind has none), in the
templates folder of the app that owns the kind. They are rendered in the recipient's language
and the site's time zone; the context comes from the kind's own function (registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string, select_template
from django.utils import translation

from aftersales.notifications import registry
from aftersales.notifications.models import Notification


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str


def template_names(kind: str) -> dict[str, str]:
    """The templates a kind has, by part (its HTML body unless it declares none)."""
    names = {"subject": f"notifications/{kind}-subject.txt", "text": f"notifications/{kind}-body.txt"}
    if registry.get(kind).html:
        names["html"] = f"notifications/{kind}-body.html"
    return names


def render(kind: str, context: dict, language: str) -> Rendered:
    """The subject, plain text, HTML and short text of `kind` in `language`."""
    context = {"hotline": settings.HOTLINE_NUMBER, **context}
    names = template_names(kind)
    with translation.override(language):
        subject = " ".join(render_to_string(names["subject"], context).split())
        text = render_to_string(names["text"], context).strip() + "\n"
        html = render_to_string(names["html"], context) if "html" in names else ""
        short_template = select_template([f"notifications/{kind}-sms.txt", "notifications/default-sms.txt"])
        short = " ".join(short_template.render({**context, "subject": subject}).split())
    return Rendered(subject[:200], text, html, short)


def site_url(path: str) -> str:
    """An absolute link into the site, for mail."""
    return settings.SITE_URL.rstrip("/") + path


def render_request(request: Notification, language: str) -> Rendered:
    """A staff request rendered for its recipient (or an IM group) in `language`, with the
    context its kind's app builds."""
    kind = registry.get(request.kind)
    if kind.context is None:
        raise ValueError(f"the notification kind {kind.name!r} has no context for staff requests")
    with translation.override(language):  # the context holds translated words too
        context = {"recipient": request.recipient, "fallback_subject": request.subject, **kind.context(request)}
    return render(request.kind, context, language)

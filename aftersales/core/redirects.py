"""Where a form may send the browser afterwards: only somewhere on this site.

Every `next` parameter (language switch, invitations, and any form that returns to the page it
came from) goes through `safe_next_url`; Django's log-in and log-out views apply the same
check (`url_has_allowed_host_and_scheme`) themselves.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next_url(request: HttpRequest, url: str | None) -> bool:
    """True for a path or URL on this host (and over HTTPS when the request came so)."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The request's `next` (POST, else GET) if it stays on this site, else `fallback` (a URL
    or a URL name, as for `redirect`)."""
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    return candidate if is_safe_next_url(request, candidate) else resolve_url(fallback)

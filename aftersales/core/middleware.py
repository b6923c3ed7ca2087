"""Headers every answer carries, whatever produced it (pages, admin, API, errors, static)."""

from __future__ import annotations

from django.conf import settings

CSP_HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every response that does not set its own.

    The policy allows scripts only from our own origin and never inline, so a string that
    slipped past escaping into a page still cannot run (docs/security.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault(CSP_HEADER, self.policy)
        return response

"""Guards in front of the API: the per-address rate limit and the request size limit.

Both answer in the API's error shape before any view, authentication or body parsing runs:
`429 throttled` with Retry-After, `413 too_large` naming the limit. Pages are left alone.

Size: a declared Content-Length over the limit is refused without reading a byte. A body sent
without one (Transfer-Encoding: chunked) is read up to the limit and refused past it when the
server hands such bodies on (gunicorn does, and marks it with `wsgi.input_terminated`);
Django's own development server cannot, and such a request gets `411 length_required` rather
than being taken for an empty body.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.api.errors import error_body, request_language, too_large_message
from aftersales.api.throttling import address_budget, address_rate, client_address, retry_message, spend, token_rate

API_PREFIX = "/api/"
# Room for the form fields and multipart boundaries around an attachment of the largest size.
UPLOAD_MARGIN_BYTES = 1024 * 1024
_READ_CHUNK = 64 * 1024
_AS_DRF = {"ensure_ascii": False, "separators": (",", ":")}  # the bytes DRF's JSONRenderer writes


def body_limit(request) -> int:
    """The largest body accepted: an attachment plus margin for multipart uploads, else
    API_MAX_BODY_BYTES (JSON)."""
    if request.content_type == "multipart/form-data":
        return settings.ATTACHMENT_MAX_BYTES + UPLOAD_MARGIN_BYTES
    return settings.API_MAX_BODY_BYTES


class ApiLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # A mistyped rate stops the start-up, not the first request.
        token_rate()
        address_rate()

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        refusal = self.over_rate(request) or self.over_size(request)
        return refusal or self.get_response(request)

    @staticmethod
    def over_rate(request):
        rate = address_rate()
        wait = None if rate is None else spend(address_budget(client_address(request)), rate)
        if wait is None:
            return None
        return _refuse(request, 429, "throttled", lambda: retry_message(wait), {"Retry-After": str(wait)})

    @staticmethod
    def over_size(request):
        limit = body_limit(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                return _refuse(request, 400, "invalid", lambda: _("The Content-Length header is not a number."))
            return _refuse(request, 413, "too_large", lambda: too_large_message(limit)) if length > limit else None
        if "HTTP_TRANSFER_ENCODING" not in request.META:
            return None  # no body at all
        if not request.META.get("wsgi.input_terminated"):
            return _refuse(request, 411, "length_required", lambda: _("Please send a Content-Length header."))
        body = _read_at_most(request.META["wsgi.input"], limit)
        if body is None:
            return _refuse(request, 413, "too_large", lambda: too_large_message(limit))
        # From here on the body is an ordinary one of known length.
        request._stream = LimitedStream(BytesIO(body), len(body))
        request.META["CONTENT_LENGTH"] = str(len(body))
        return None


def _read_at_most(stream, limit: int) -> bytes | None:
    """The whole stream, or None as soon as it proves longer than `limit`."""
    parts, size = [], 0
    while chunk := stream.read(min(_READ_CHUNK, limit + 1 - size)):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(parts)


def _refuse(request, status: int, code: str, message, headers: dict | None = None) -> JsonResponse:
    # The user is not known yet: ?lang= or Accept-Language, else the default (Chinese).
    language = request_language(request)
    with translation.override(language):
        response = JsonResponse(error_body(code, message()), status=status, headers=headers, json_dumps_params=_AS_DRF)
    response["Content-Language"] = language
    return response

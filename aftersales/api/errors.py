"""One error shape for the whole API: {"code": …, "message": …, "fields": {…}}.

Messages are in the request's language (see `request_language`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from aftersales.core.errors import Conflict, DomainError, NotAllowed, StorageUnavailable

# How long a client waits before trying again when the file store is unreachable.
STORAGE_RETRY_AFTER_SECONDS = 30


def too_large_message(limit: int) -> str:
    """The 413 answer's message, for a body over `limit` bytes (the size limits and Django's own)."""
    return _("The request is too large: at most %(limit)s may be sent here.") % {"limit": filesizeformat(limit)}


def request_language(request, user=None) -> str:
    """`?lang=` first, then Accept-Language, then the user's own setting, then zh-hans.

    Unlike pages (which ignore the browser), an API client that names a language asks for it
    deliberately, so Accept-Language is honoured here.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    asked = request.GET.get("lang", "")
    candidates = [asked] if asked else []
    candidates += [code for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", ""))]
    for code in candidates:
        try:
            variant = translation.get_supported_language_variant(code.lower())
        except LookupError:
            continue
        if variant in supported:
            return variant
    if user is not None and user.is_authenticated and getattr(user, "language", "") in supported:
        return user.language
    return settings.LANGUAGE_CODE


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": _flatten(fields or {})}


def _flatten(fields) -> dict:
    """{"field": ["message", …]} with plain strings; nested serializer errors joined by dots."""
    if isinstance(fields, list | tuple):
        return {"__all__": [str(m) for m in fields]}
    flat: dict[str, list[str]] = {}
    for name, value in fields.items():
        key = "__all__" if name == "non_field_errors" else str(name)
        if isinstance(value, dict):
            for inner, messages in _flatten(value).items():
                flat[f"{key}.{inner}"] = messages
        elif isinstance(value, list | tuple):
            flat[key] = [str(m) for m in value]
        else:
            flat[key] = [str(value)]
    return flat


def exception_handler(exc, context):
    """DRF's exception handler, answering every error in the one shape, in the language the
    view has activated (see `aftersales.api.base.LanguageMixin`)."""
    status_code, body = _describe(exc)
    response = Response(body, status=status_code)
    response["Content-Language"] = translation.get_language()
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, StorageUnavailable):
        response["Retry-After"] = str(STORAGE_RETRY_AFTER_SECONDS)
    return response


def _describe(exc) -> tuple[int, dict]:
    if isinstance(exc, StorageUnavailable):
        return status.HTTP_503_SERVICE_UNAVAILABLE, error_body(exc.code, exc.message, exc.fields)
    if isinstance(exc, Conflict):
        return status.HTTP_409_CONFLICT, error_body(exc.code, exc.message, exc.fields)
    if isinstance(exc, NotAllowed | DomainError):
        return status.HTTP_422_UNPROCESSABLE_ENTITY, error_body(exc.code, exc.message, exc.fields)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return status.HTTP_404_NOT_FOUND, error_body("not_found", _("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.Throttled):
        from aftersales.api.throttling import retry_message

        return status.HTTP_429_TOO_MANY_REQUESTS, error_body("throttled", retry_message(exc.wait or 1))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, error_body("too_large", too_large_message(limit))
    if isinstance(exc, exceptions.ValidationError):
        return status.HTTP_400_BAD_REQUEST, error_body("invalid", _("Please correct the errors below."), exc.detail)
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = detail if not isinstance(detail, dict | list) else exc.default_detail
        return exc.status_code, error_body(exc.default_code, message)
    raise exc


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any /api/ address that names no endpoint: a 404 in the same shape (for any method:
    exempt from the CSRF check, which would otherwise answer an unsafe method with a 403
    page in HTML, as the API's views are exempt)."""
    with translation.override(request_language(request, getattr(request, "user", None))):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)

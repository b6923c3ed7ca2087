"""One log record per request (logger `aftersales.requests`; shown when LOG_FORMAT=json):
method, path, view, status, duration, user id and request id.

The request id is the proxy's `X-Request-ID` when it sends a sane one (nginx: `$request_id`),
otherwise a new one; either way it is answered in `X-Request-ID`, so a user's report, the
proxy's log and ours meet on one value.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

logger = logging.getLogger("aftersales.requests")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(request) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        begun = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s %s", request.method, request.path, response.status_code, extra=_fields(request, response, begun)
            )
        return response


def _fields(request, response, begun: float) -> dict:
    match = getattr(request, "resolver_match", None)
    return {
        "method": request.method,
        "path": request.path,
        "view": match.view_name if match is not None else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - begun) * 1000, 1),
        "user_id": _user_id(request),
        "request_id": request.request_id,
    }


def _user_id(request) -> int | None:
    """The user the request ran as, if it was looked up at all: logging never queries."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # type: ignore[attr-defined]
        return None
    return user.pk if user is not None and user.is_authenticated else None

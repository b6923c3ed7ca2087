"""The console as configured in settings.LOGGING: an expected refusal (403, 404, a domain error)
is at most one line, with no traceback; a real failure keeps its traceback."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from aftersales.cases.services import CaseError
from aftersales.core.errors import NotAllowed


@pytest.fixture
def console():
    """The console handler of settings.LOGGING, writing into a buffer for the test."""
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize(
    "refusal",
    [
        PermissionDenied("not this customer's case"),
        Http404("no such case"),
        ObjectDoesNotExist("no such contact"),
        CaseError("Only the case's owner may resolve it."),
        NotAllowed("not allowed in this status"),
    ],
    ids=lambda error: type(error).__name__,
)
@pytest.mark.parametrize("logger", ["huey", "aftersales.notifications.fanout", "django.security.csrf"])
def test_an_expected_refusal_is_one_line_with_its_reason(console, refusal, logger):
    try:
        raise refusal
    except Exception:
        logging.getLogger(logger).exception("Unhandled exception in task %s.", "7f3c")

    lines = console.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "Unhandled exception in task 7f3c." in lines[0] and str(refusal.args[0]) in lines[0]


@pytest.mark.parametrize("failure", [RuntimeError("database is locked"), KeyError("payload")], ids=repr)
def test_a_real_failure_keeps_its_traceback(console, failure):
    try:
        raise failure
    except Exception:
        logging.getLogger("huey").exception("Unhandled exception in task %s.", "7f3c")

    assert "Traceback (most recent call last)" in console.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("contact_a", "/portal/cases/CS209901-000001/", 404),  # a customer guessing a case
        ("sales", "/intake/", 403),  # read-only staff at the phone intake
        ("engineer", "/cases/CS209901-000001/", 404),
        (None, "/api/v1/cases/", 401),  # no credentials
        (None, "/no-such-page/", 404),
    ],
)
def test_a_refused_request_writes_no_traceback(console, client, request, who, path, status):
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.get(path)

    assert response.status_code == status
    text = console.getvalue()
    assert "Traceback" not in text and len(text.splitlines()) <= 1, text

"""LOG_FORMAT=json: every line one JSON object, one per request and one per job; the default
stays the human one-line format."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config

import pytest

from tests.operations.conftest import run_python

REQUEST_FIELDS = {"method", "path", "view", "status", "duration_ms", "user_id", "request_id"}
JOB_FIELDS = {"task", "task_id", "duration_ms", "outcome"}

PROBE = """
import django
django.setup()
from django.test import Client
from huey.contrib.djhuey import HUEY

@HUEY.task()
def succeeds():
    return 42

@HUEY.task()
def breaks():
    raise RuntimeError("database is locked")

client = Client()
client.get("/login/", HTTP_X_REQUEST_ID="req-from-nginx-1")
client.get("/no-such-page/")
HUEY.execute(succeeds.s())
HUEY.execute(breaks.s())
"""


def _records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_logs_one_line_per_request_and_per_job(tmp_path):
    result = run_python(PROBE, tmp_path=tmp_path, LOG_FORMAT="json")

    assert result.returncode == 0, result.stderr
    records = _records(result.stderr)  # every line parses: nothing else is written
    requests = [r for r in records if r["logger"] == "aftersales.requests"]
    assert [(r["method"], r["path"], r["view"], r["status"]) for r in requests] == [
        ("GET", "/login/", "login", 200),
        ("GET", "/no-such-page/", None, 404),
    ]
    assert all(set(r) >= REQUEST_FIELDS and r["user_id"] is None and r["duration_ms"] >= 0 for r in requests)
    assert requests[0]["request_id"] == "req-from-nginx-1"
    assert len(requests[1]["request_id"]) == 32  # made up when the proxy sends none
    assert all({"time", "level", "message"} <= set(r) for r in records)
    assert all(r["time"].endswith("+00:00") for r in records)  # ISO 8601, UTC

    jobs = [r for r in records if r["logger"] == "aftersales.jobs"]
    assert [(r["task"].rsplit(".", 1)[-1], r["outcome"], r["level"]) for r in jobs] == [
        ("succeeds", "complete", "INFO"),
        ("breaks", "error", "WARNING"),
    ]
    assert all(set(r) >= JOB_FIELDS and r["duration_ms"] >= 0 and r["task_id"] for r in jobs)
    # Huey's own lines are left to failures: its error, with the traceback inside the JSON.
    huey = [r for r in records if r["logger"] == "huey"]
    assert len(huey) == 1 and "database is locked" in huey[0]["exc_info"]


def test_the_default_format_stays_human(tmp_path):
    result = run_python(PROBE, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines and not any(line.startswith("{") for line in lines)
    assert not any("/login/" in line for line in lines)  # no request lines: the access log has them
    assert any("executed in" in line for line in lines)  # Huey's line per job, as before


@pytest.fixture
def json_console(settings):
    """settings.LOGGING as LOG_FORMAT=json makes it, the console writing into a buffer."""
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["loggers"]["aftersales.requests"]["level"] = "INFO"
    logging.config.dictConfig(config)
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_a_request_line_names_the_user_and_the_answer_carries_the_request_id(json_console, client, engineer, case_a):
    client.force_login(engineer)

    response = client.get(f"/cases/{case_a.number}/")

    assert response.status_code == 200
    (line,) = [r for r in _records(json_console.getvalue()) if r["logger"] == "aftersales.requests"]
    assert line["user_id"] == engineer.pk
    assert line["view"] == "case_detail"
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_an_unsafe_request_id_is_replaced(json_console, client):
    response = client.get("/login/", HTTP_X_REQUEST_ID='x" injected\\nline')

    assert response["X-Request-ID"] != 'x" injected\\nline' and len(response["X-Request-ID"]) == 32

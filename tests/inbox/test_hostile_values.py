"""The inbox's forms (open a case from a message, add it to a case) with out-of-range ids:
a field error, never a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from aftersales.inbox.models import Outcome
from aftersales.inbox.services import ingest
from tests.inbox.conftest import raw

HOSTILE = ["99999999999999999999", "-99999999999999999999", str(2**63), str(2**31), "0001-01-01T00:00:00"]


@pytest.fixture
def unknown(mail_world):
    return ingest(raw("07_unknown_sender.eml")).message


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["customer", "contact"])
def test_open_case_form_answers_a_field_error(client, agent, customer_a, unknown, field, value):
    client.force_login(agent)
    client.raise_request_exception = False
    body = {"customer": customer_a.pk, "kind": "fault", "severity": "D", "title": "来信报障", field: value}

    response = client.post(f"/inbox/messages/{unknown.pk}/open-case/", body)

    assert response.status_code == 400
    unknown.refresh_from_db()
    assert unknown.outcome == Outcome.TRIAGE


@pytest.mark.parametrize("value", HOSTILE)
def test_add_to_case_form_answers_a_field_error(client, agent, unknown, value):
    client.force_login(agent)
    client.raise_request_exception = False

    response = client.post(f"/inbox/messages/{unknown.pk}/add-to-case/", {"number": value})

    assert response.status_code == 400

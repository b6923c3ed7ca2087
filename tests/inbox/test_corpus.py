"""Every raw message of tests/data/mail leads to the outcome expected.toml names."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.cases.models import Case, Channel, EventKind, Severity
from aftersales.inbox.models import InboundMessage, Outcome
from aftersales.inbox.services import ingest
from tests.conftest import built_once, new_customer_a, new_customer_b
from tests.factories import UserFactory
from tests.inbox.conftest import EXPECTED, MAIL_DIR, MAIL_SETTINGS, build_mail_world, raw


@pytest.fixture(scope="module")
def _mail_world_once(django_db_setup, django_db_blocker):
    """The corpus only reads the world (each test's ingest is rolled back): built once."""
    with built_once(django_db_blocker, **MAIL_SETTINGS):
        agent = UserFactory(username="agent", roles=(Role.HOTLINE,))
        yield build_mail_world(agent, new_customer_a(), new_customer_b())


@pytest.fixture
def mail_world(_mail_world_once, db):
    return _mail_world_once


def test_corpus_is_complete():
    files = {path.name for path in MAIL_DIR.glob("*.eml")}
    assert len(files) >= 30
    assert files == set(EXPECTED)


def _timeline(case: Case) -> str:
    return "\n".join(case.events.values_list("text", flat=True))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message_has_its_expected_outcome(name, mail_world):
    expected = EXPECTED[name]
    if "after" in expected:
        ingest(raw(expected["after"]))
    cases_before = set(Case.objects.values_list("pk", flat=True))
    stored_before = InboundMessage.objects.count()

    result = ingest(raw(name))

    assert result.outcome == expected["outcome"], result.message.reason
    message = InboundMessage.objects.get(pk=result.message.pk)
    assert InboundMessage.objects.count() == stored_before + (0 if result.duplicate else 1)
    assert bytes(message.raw) == raw(expected["after"] if result.duplicate else name)  # the original, as received
    new_cases = Case.objects.exclude(pk__in=cases_before)
    if "subject" in expected:
        assert expected["subject"] in message.subject
    for key in ("from_address", "from_name"):
        if key in expected:
            assert getattr(message, key) == expected[key]
    if "reason" in expected:
        assert expected["reason"] in message.reason

    target = expected.get("case")
    if result.duplicate:
        assert not new_cases.exists(), "a message fetched twice is handled once"
        return
    if target == "new":
        assert new_cases.count() == 1
        case = new_cases.get()
        assert message.case == case
        assert case.customer == getattr(mail_world, expected["customer"])
        assert (case.channel, case.severity) == (Channel.EMAIL, Severity.D)
        assert case.taken_by.username == "mail-intake"
    elif target in ("A", "B"):
        assert not new_cases.exists()
        case = getattr(mail_world, f"case_{target}")
        assert message.case == case
        reply = case.events.filter(kind=EventKind.REPLY).get()
        assert reply.is_public
        assert message.from_address in reply.text
    else:
        assert not new_cases.exists(), "this message must never open a case"
        assert message.case is None
        return

    timeline = _timeline(case)
    if "text" in expected:
        assert expected["text"] in timeline
    if "not_text" in expected:
        assert expected["not_text"] not in timeline
    if "attachments" in expected:
        assert sorted(case.attachments.values_list("name", flat=True)) == sorted(expected["attachments"])
    if "left_out" in expected:
        note = case.events.filter(kind=EventKind.NOTE, is_public=False).get()
        assert expected["left_out"] in note.text
    else:
        assert not case.events.filter(kind=EventKind.NOTE).exists()


def test_outcomes_cover_every_kind(mail_world):
    outcomes = {entry["outcome"] for entry in EXPECTED.values()}
    assert outcomes >= {*Outcome.values} - {Outcome.DISCARDED} | {"duplicate"}

"""The timeline: one append-only history for any subject, stored as data and worded when read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.template import Context, Template
from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Case, EventKind
from aftersales.customers.models import Customer
from aftersales.timeline.models import Entry
from aftersales.timeline.registry import register
from aftersales.timeline.rendering import entries_for, render
from aftersales.timeline.services import record
from tests.factories import CustomerFactory, TeamFactory

LANGUAGES = ["zh-hans", "en"]


def _assignment(case):
    return Entry.objects.for_subject(case).filter(kind=EventKind.ASSIGNED).latest("created_at", "pk")


# --- stored once, the same whatever language the writer spoke ----------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_owner_change_is_stored_as_field_names_and_ids_in_every_language(language, manager, engineer, case_a):
    team = TeamFactory(name="二线支持组")
    with translation.override(language):
        services.assign(case=case_a, by=manager, owner=engineer, team=team)

    assert _assignment(case_a).data == {"changes": {"owner": [None, engineer.pk], "team": [None, team.pk]}}


@pytest.mark.parametrize(
    ("written", "read", "expected"),
    [
        ("zh-hans", "en", ("owner", "engineer", "specialist")),
        ("en", "zh-hans", ("负责人", "engineer", "specialist")),
        ("zh-hans", "zh-hans", ("负责人", "engineer", "specialist")),
        ("en", "en", ("owner", "engineer", "specialist")),
    ],
)
def test_an_owner_change_reads_in_the_readers_language(written, read, expected, manager, engineer, make_user, case_a):
    specialist = make_user(Role.SPECIALIST, username="specialist")
    services.assign(case=case_a, by=manager, owner=engineer)
    with translation.override(written):
        services.assign(case=case_a, by=manager, owner=specialist)

    with translation.override(read):
        rendered = render(_assignment(case_a))

    assert [(line.label, line.before, line.after) for line in rendered.changes] == [expected]
    with translation.override(read):
        assert rendered.label == str(EventKind.ASSIGNED.label) != ""


@pytest.mark.parametrize(
    ("change", "field", "raw"),
    [
        (
            lambda case, by: services.change_severity(case=case, by=by, severity="B", reason="扩大"),
            "severity",
            ["C", "B"],
        ),
        (lambda case, by: services.update_case(case=case, by=by, tier="L2"), "tier", ["L1", "L2"]),
        (
            lambda case, by: services.update_case(case=case, by=by, title="全部中断"),
            "title",
            ["交换机无法呼出", "全部中断"],
        ),
    ],
    ids=["severity", "tier", "title"],
)
def test_every_case_change_stores_raw_values_not_labels(change, field, raw, engineer, case_a):
    with translation.override("zh-hans"):
        change(case_a, engineer)
    kinds = [EventKind.SEVERITY, EventKind.FIELDS]
    entry = Entry.objects.for_subject(case_a).filter(kind__in=kinds).latest("created_at", "pk")

    assert entry.data["changes"][field] == raw


# --- append-only -----------------------------------------------------------------------------


def _change_one(entry):
    entry.data = {"text": "改写历史"}
    entry.save()


def _change_in_bulk(entry):
    Entry.objects.filter(pk=entry.pk).update(public=True)


def _bulk_update(entry):
    entry.public = True
    Entry.objects.bulk_update([entry], ["public"])


@pytest.mark.parametrize(
    "refused",
    [
        _change_one,
        lambda e: e.delete(),
        _change_in_bulk,
        lambda e: Entry.objects.filter(pk=e.pk).delete(),
        _bulk_update,
    ],
    ids=["save", "delete", "update", "bulk-delete", "bulk-update"],
)
@pytest.mark.parametrize("subject", ["case", "customer"])
def test_entries_of_any_subject_are_never_changed_or_deleted(refused, subject, agent, case_a, customer_a):
    target = case_a if subject == "case" else customer_a
    entry = record(target, actor=agent, kind="test.noted", data={"text": "原话"})

    with pytest.raises(PermissionError), transaction.atomic():
        refused(entry)

    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.data, stored.public) == ({"text": "原话"}, False)


def test_a_subject_with_a_timeline_cannot_be_deleted(case_a):
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case_a.pk).delete()
    assert Entry.objects.for_subject(case_a).exists()


# --- a customer never reads an internal entry ----------------------------------------------------


@pytest.fixture
def mixed_timeline(engineer, case_a):
    services.add_comment(case=case_a, by=engineer, text="已安排工程师明早上门。", public=True)
    services.add_comment(case=case_a, by=engineer, text="怀疑中继板故障", public=False)
    record(case_a, actor=engineer, kind="test.internal", data={"text": "内部核算"}, public=False)
    return case_a


@pytest.mark.parametrize("reader", ["contact_a", "engineer", "manager"])
def test_a_customer_reads_only_public_entries_and_staff_read_all(reader, request, mixed_timeline):
    user = request.getfixturevalue(reader)

    texts = [render(entry).text for entry in entries_for(mixed_timeline, reader=user)]

    assert "已安排工程师明早上门。" in texts
    internal = {"怀疑中继板故障", "内部核算"}
    if reader == "contact_a":
        assert not internal & set(texts)
        assert all(entry.public for entry in entries_for(mixed_timeline, reader=user))
    else:
        assert internal <= set(texts)


@pytest.mark.parametrize("reader", ["contact_a", "engineer"])
def test_the_template_tag_renders_a_subjects_entries_for_its_reader(reader, request, mixed_timeline):
    user = request.getfixturevalue(reader)
    page = Template(
        "{% load timeline %}{% timeline_entries subject reader as entries %}"
        "{% for e in entries %}[{{ e.label }}|{{ e.text }}]{% endfor %}"
    ).render(Context({"subject": mixed_timeline, "reader": user}))

    assert "已安排工程师明早上门。" in page
    assert ("怀疑中继板故障" in page) is (reader == "engineer")


def test_the_api_timeline_hides_internal_entries_from_the_customer(client, contact_a, mixed_timeline):
    client.force_login(contact_a)

    timeline = client.get(f"/api/v1/cases/{mixed_timeline.number}/").json()["timeline"]

    assert timeline and all(event["is_public"] for event in timeline)
    assert "怀疑中继板故障" not in str(timeline) and "内部核算" not in str(timeline)


# --- kinds registered by their app, worded when read ----------------------------------------------


def test_a_registered_kind_is_worded_by_its_renderers_in_the_active_language(agent):
    customer = CustomerFactory()
    register(
        "test.renamed",
        label=translation.gettext_lazy("owner"),
        changes=lambda data: [],
        text=lambda data: translation.gettext("team") + f" {data['n']}",
    )
    entry = record(customer, actor=agent, kind="test.renamed", data={"n": 3})

    with translation.override("zh-hans"):
        assert (render(entry).label, render(entry).text) == ("负责人", "团队 3")
    with translation.override("en"):
        assert (render(entry).label, render(entry).text) == ("owner", "team 3")


def test_an_unregistered_kind_still_reads_as_stored(agent, customer_a):
    entry = record(customer_a, actor=None, kind="test.unknown", data={"changes": {"x": [1, 2]}, "text": "原文"})

    rendered = render(entry)

    assert (rendered.label, rendered.text, rendered.changes[0].after) == ("test.unknown", "原文", "2")
    assert entry.actor is None


def test_many_entries_are_recorded_at_once_with_their_exact_times_and_data(agent, case_a, customer_a):
    from aftersales.timeline.services import build, record_many

    moment = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0, 0, 123456))
    record_many(
        [
            build(case_a, actor=agent, kind="test.bulk", data={"changes": {"owner": [None, agent.pk]}}, at=moment),
            build((Customer, customer_a.pk), kind="test.bulk", data={"n": 2}, public=True, at=moment),
        ]
    )

    stored = Entry.objects.filter(kind="test.bulk").order_by("pk")
    assert [(e.subject, e.actor, e.data, e.public, e.created_at) for e in stored] == [
        (case_a, agent, {"changes": {"owner": [None, agent.pk]}}, False, moment),
        (customer_a, None, {"n": 2}, True, moment),
    ]

"""Suspension entries keep machine-readable data and read in the reader's language."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import EventKind
from aftersales.sla.models import SuspensionRequest


def test_a_requested_and_a_rejected_suspension_store_values_and_read_in_either_language(case_a, make_user):
    engineer, duty = make_user(Role.ENGINEER, username="eng"), make_user(Role.DUTY_MANAGER, username="duty")
    services.transition(case=case_a, action="accept", by=engineer)
    now = timezone.now()
    request = services.request_suspension(
        case=case_a,
        by=engineer,
        reason="等待客户机房恢复供电",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=now - dt.timedelta(minutes=1),
        expected_end_at=now + dt.timedelta(days=1),
    )
    services.decide_suspension(request=request, by=duty, approve=False, note="B 级故障不得挂起")
    requested, rejected = case_a.events.filter(kind=EventKind.SUSPENSION).order_by("at", "pk")

    # Stored: the people's words and raw values, no label of any language.
    assert requested.data["suspension"] == "requested"
    assert requested.data["consent_channel"] == "phone"
    assert requested.data["text"] == "等待客户机房恢复供电"
    assert rejected.data == {"suspension": "rejected", "text": "B 级故障不得挂起"}

    with translation.override("en"):
        assert "Suspension requested: 等待客户机房恢复供电" in requested.text
        assert "王主任, Phone," in requested.text
        assert rejected.text == "Suspension rejected: B 级故障不得挂起"
    with translation.override("zh-hans"):
        assert "电话" in requested.text and "Phone" not in requested.text
        assert "B 级故障不得挂起" in rejected.text and "rejected" not in rejected.text

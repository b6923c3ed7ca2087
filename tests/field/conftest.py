"""Field service fixtures: a visit of the engineer on customer A's case, drawn signatures, a
report's fields, and a walk through the visit's moves."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.accounts.roles import Role
from aftersales.field import services
from aftersales.field.models import ReportKind, TestResult


def signature_png(*, blank: bool = False, size=(300, 120)) -> bytes:
    """A PNG as the phone's canvas makes it: transparent, with a stroke unless `blank`."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 90), (280, 30)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def second_engineer(make_user):
    return make_user(Role.ENGINEER, username="engineer-2", display_name="李工")


@pytest.fixture
def outsider_engineer(make_user):
    return make_user(Role.SPECIALIST, username="engineer-3")


@pytest.fixture
def visit(case_a, manager, engineer):
    return services.dispatch_visit(
        case=case_a,
        by=manager,
        engineers=[engineer],
        planned_departure_at=timezone.now() + dt.timedelta(minutes=30),
        purpose="更换中继板",
    )


@pytest.fixture
def walk():
    """walk(visit, by, "depart", "arrive", …): take the moves in order with what each needs."""

    extra = {
        "confirm_symptom": {"confirmed_by": "王主任", "text": "外线全部不通"},
        "complete": {"text": "更换中继板 TN464F，拨测正常"},
        "confirm_result": {"confirmed_by": "王主任"},
    }

    def take(visit, by, *actions):
        for action in actions:
            visit = services.move_visit(visit=visit, action=action, by=by, **extra.get(action, {}))
        return visit

    return take


@pytest.fixture
def report_fields():
    def make(**overrides):
        now = timezone.now()
        fields = {
            "idempotency_key": uuid.uuid4(),
            "kind": ReportKind.REPAIR,
            "work_done": "更换中继板 TN464F，恢复全部外线。",
            "started_at": now - dt.timedelta(hours=1),
            "finished_at": now - dt.timedelta(minutes=5),
            "test_result": TestResult.PASSED,
            "test_notes": "拨测 20 次均正常",
            "customer_signer": "王主任",
            "customer_signature": signature_png(),
            "engineer_signature": signature_png(),
            "materials": [services.Material("中继板 TN464F", 1, "TN464F", "SN123456")],
            "open_points": [],
        }
        fields.update(overrides)
        return fields

    return make


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the pages' Chinese is tested through them)."""
    from django.utils import translation

    with translation.override("en"):
        yield

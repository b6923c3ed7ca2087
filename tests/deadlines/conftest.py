"""A subject that is not a case (a customer stands in for an RMA or a visit), a test kind
whose handlers record what they were handed, and local times."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aftersales.calendars.models import BusinessCalendar
from aftersales.deadlines import registry
from tests.factories import CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
KIND = "test.return"
ALARM = "test.reminder"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Handled:
    """What the handlers of the test kinds were handed, in every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.breaches: list[registry.Breach] = []
        self.firings: list[registry.Firing] = []

    def on_breach(self, breaches, now) -> None:
        with self.lock:
            self.breaches += breaches

    def on_fire(self, firings, now) -> None:
        with self.lock:
            self.firings += firings


@pytest.fixture
def handled():
    seen = Handled()
    registry.register(KIND, label="Return", on_breach=seen.on_breach)
    registry.register(ALARM, label="Reminder", on_fire=seen.on_fire)
    yield seen
    registry._kinds.pop(KIND, None)
    registry._kinds.pop(ALARM, None)


@pytest.fixture
def calendars(db) -> dict[str, BusinessCalendar]:
    return {calendar.code: calendar for calendar in BusinessCalendar.objects.all()}


@pytest.fixture
def subject(db):
    return CustomerFactory()


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield

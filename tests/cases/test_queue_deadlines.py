"""The queue sorts by nearest deadline and filters breached / due-soon cases."""

import datetime as dt

import time_machine

from aftersales.cases.models import Case
from aftersales.cases.queries import QueueFilter, queue

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _with_due(case, minutes_from_now):
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + dt.timedelta(minutes=minutes_from_now))
    return case


def test_nearest_deadline_first_and_cases_without_one_last(agent, open_case, customer_a):
    late = _with_due(open_case(customer_a, title="晚"), 120)
    soon = _with_due(open_case(customer_a, title="早"), 10)
    none = open_case(customer_a, title="无时限")
    Case.objects.filter(pk=none.pk).update(next_due_at=None)
    with time_machine.travel(NOW, tick=False):
        ordered = list(queue(agent, QueueFilter(sort="due")))
    assert ordered == [soon, late, none]


def test_breached_and_due_soon_filters(agent, open_case, customer_a):
    breached = _with_due(open_case(customer_a, title="已超时"), -5)
    soon = _with_due(open_case(customer_a, title="30 分钟内"), 25)
    _with_due(open_case(customer_a, title="稍后"), 45)
    with time_machine.travel(NOW, tick=False):
        assert list(queue(agent, QueueFilter(due="breached"))) == [breached]
        assert list(queue(agent, QueueFilter(due="soon"))) == [soon]


def test_queue_page_shows_time_left_in_words(client, agent, open_case, customer_a):
    _with_due(open_case(customer_a), 25)
    client.force_login(agent)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/cases/", {"sort": "due"}).content.decode()
    pill = html.split('data-testid="due">', 1)[1].split("</td>", 1)[0]
    assert "pill-amber" in pill and "25" in pill

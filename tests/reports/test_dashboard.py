"""The dashboard page and the cases behind its figures: who may see them, what they show, and
that each figure opens exactly the cases it counts (same visibility)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine

from aftersales.reports.charts import Point, bar_chart, line_chart
from tests.reports.conftest import AS_OF


@pytest.fixture
def at_as_of():
    with time_machine.travel(AS_OF, tick=False):
        yield


def numbers(response) -> set[str]:
    return set(re.findall(r"CS\d{6}-\d{6}", response.content.decode()))


def test_only_report_readers_open_the_dashboard(client, engineer, contact_a, manager, executive):
    for user, status in ((engineer, 403), (manager, 200), (executive, 200)):
        client.force_login(user)
        assert client.get("/reports/").status_code == status, user
        assert client.get("/reports/cases/?figure=faults").status_code == status, user
    client.force_login(contact_a)  # a customer's contact lives in the portal
    assert client.get("/reports/").status_code in (302, 403)
    assert client.get("/reports/cases/?figure=faults").status_code in (302, 403)


def test_dashboard_shows_the_month_in_chinese_with_svg_charts(client, manager, month, at_as_of):
    client.force_login(manager)
    response = client.get("/reports/", {"month": "2026-11", "customer": month.customer.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "报表" in html
    assert html.count("<svg") == 7  # two trends, five breakdowns
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    # the repair rate of November: 3 timely of 5 decided (tests/reports/test_kpis.py)
    row = re.search(r'data-kpi="repair">(.*?)</tr>', html, re.S).group(1)
    assert "60.0 %" in row


def test_each_figure_opens_the_cases_behind_it(client, manager, month, at_as_of):
    client.force_login(manager)
    html = unescape(client.get("/reports/", {"month": "2026-11", "customer": month.customer.pk}).content.decode())
    link = re.search(r'data-kpi="repair">.*?<a class="muted" href="([^"]+)"', html, re.S).group(1)
    assert "figure=repair.late" in link and f"customer={month.customer.pk}" in link
    behind = client.get(link)
    assert behind.status_code == 200
    assert numbers(behind) == {month.cases["c2"].number, month.cases["c4"].number}


def test_breakdown_bars_link_to_their_faults(client, manager, month, at_as_of):
    client.force_login(manager)
    response = client.get("/reports/cases/", {"month": "2026-11", "by": "region", "value": "北京"})
    assert numbers(response) == {month.cases["c4"].number}


def test_a_figure_never_shows_another_customers_cases(client, manager, contact_a, month, at_as_of):
    client.force_login(manager)
    everyone = numbers(client.get("/reports/cases/", {"month": "2026-11", "figure": "repair.late"}))
    assert month.cases["b1"].number in everyone
    client.force_login(contact_a)  # a customer never holds reports.view
    response = client.get("/reports/cases/", {"month": "2026-11", "figure": "repair.late"})
    assert response.status_code in (302, 403)
    assert month.cases["b1"].number not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "<script>"},
        {"customer": "999999"},
        {"severity": "Z"},
        {"team": "x"},
    ],
)
def test_bad_filters_are_field_errors_not_500(client, manager, params, db):
    client.force_login(manager)
    response = client.get("/reports/", params)
    assert response.status_code == 400
    response = client.get("/reports/cases/", {"figure": "faults", **params})
    assert response.status_code == 400


def test_unknown_figure_is_a_field_error(client, manager, db):
    client.force_login(manager)
    assert client.get("/reports/cases/", {"figure": "secret"}).status_code == 400
    assert client.get("/reports/cases/").status_code == 400


def test_charts_escape_labels_and_leave_gaps():
    svg = line_chart(
        [Point("<b>", 0.5, "50 %", "/x?a=1&b=2"), Point("02", None), Point("03", 1.0)], title="t&t", maximum=1
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "&amp;b=2" in svg and "t&amp;t" in svg
    assert svg.count("<circle") == 2 and "<polyline" not in svg  # the gap breaks the line
    bars = bar_chart([Point("A", 3, "3"), Point("B", 1, "1")], title="bars")
    widths = [float(w) for w in re.findall(r'<rect[^>]* width="([\d.]+)"', bars)]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)

"""The case page's clock list: live clocks first; of finished ones the latest per kind."""

import datetime as dt

from aftersales.cases import services
from aftersales.sla.display import case_clocks, span_in_words
from tests.sla.conftest import local


def test_spans_read_like_people_say_them():
    assert span_in_words(25) == "25 min"
    assert span_in_words(70) == "1 h 10 min"
    assert span_in_words(120) == "2 h"
    assert span_in_words(24 * 60 + 120) == "1 d 2 h"


def test_progress_history_shows_only_the_running_interval(travel, staff, fault, contract_for):
    contract_for()
    traveller = travel(local(2026, 11, 23, 10, 0))
    case = fault("A")
    services.transition(case=case, action="accept", by=staff["engineer"])
    for _ in range(3):
        traveller.shift(dt.timedelta(minutes=20))
        services.add_comment(case=case, by=staff["engineer"], text="排查中", public=False)

    views = case_clocks(case)

    progress = [v for v in views if v.clock.kind == "progress"]
    assert len(progress) == 1 and progress[0].state == "running"
    assert views[0].state in ("running", "breached")  # live clocks come first
    assert {v.clock.kind for v in views if v.state == "met"} == {"sign_off", "response"}

"""Period and interval arithmetic, checked over many inputs (no database)."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from aftersales.reports.kpis import SHANGHAI, Period, Ratio

months = st.tuples(st.integers(2000, 2099), st.integers(1, 12))


@given(months)
def test_a_month_is_its_local_days(year_month):
    year, month = year_month
    period = Period.month(year, month)
    days = calendar.monthrange(year, month)[1]
    assert period.minutes == days * 1440  # Asia/Shanghai keeps no summer time
    assert period.start.astimezone(SHANGHAI) == dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    assert period.start.hour == 16  # midnight in Shanghai is 16:00 UTC the day before


@given(months, st.integers(1, 36))
def test_months_back_are_contiguous_and_end_with_the_month(year_month, count):
    period = Period.month(*year_month)
    back = period.months_back(count)
    assert len(back) == count and back[-1] == period
    assert all(earlier.end == later.start for earlier, later in zip(back, back[1:], strict=False))


@given(months, st.integers(0, 10**9))
def test_every_moment_is_in_exactly_one_month(year_month, seconds):
    moment = Period.month(*year_month).start + dt.timedelta(seconds=seconds % (40 * 86400))
    containing = Period.month_of(moment)
    assert containing.contains(moment)
    assert not containing.previous_month().contains(moment)


@given(st.lists(st.integers(1, 50), max_size=20), st.lists(st.integers(1, 50), max_size=20))
def test_a_rate_is_a_share_or_no_data(timely, late):
    ratio = Ratio(timely=timely, late=late)
    if not timely and not late:
        assert ratio.rate is None
    else:
        assert 0 <= ratio.rate <= 1
        assert ratio.rate == len(timely) / (len(timely) + len(late))

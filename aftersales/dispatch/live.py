"""The version of the dispatch board (aftersales.core.live): the cases the user sees, the
handovers, proposals and shifts, and the five minutes we are in (who is on duty and how long a
case has waited change with the clock alone)."""

from __future__ import annotations

import time

from aftersales.cases.live import cases_version
from aftersales.core import live
from aftersales.dispatch.models import Handover, Proposal, Shift

FOLLOWED = (Handover, Proposal, Shift)
TOPICS = [live.model_topic(model._meta.label_lower) for model in FOLLOWED]
# The board renders again at least this often; each user at their own moment, so that two
# hundred boards do not all render in the same second.
TIME_STEP_SECONDS = 300


def follow() -> None:
    for model in FOLLOWED:
        live.follow(model)


def board_version(user) -> str:
    step = (int(time.time()) + user.pk * 37) // TIME_STEP_SECONDS
    return live.version(cases_version(user), step, *live.tokens(TOPICS))

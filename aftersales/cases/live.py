"""The versions of what live pages show of cases (aftersales.core.live): the queue, the case
page, the portal's list. A version reads the cache and at most one small query, and follows
the visibility rule: a customer's contact's version changes only with the cases they may see,
and says nothing about any other."""

from __future__ import annotations

from django.http import Http404

from aftersales.accounts import policy
from aftersales.cases.models import CallbackRequest, Case, SuspensionRequest
from aftersales.cases.queries import visible_cases
from aftersales.core import live

CASES = live.model_topic(Case._meta.label_lower)
CALLBACKS = live.model_topic(CallbackRequest._meta.label_lower)
SUSPENSIONS = live.model_topic(SuspensionRequest._meta.label_lower)


def follow() -> None:
    """Announce every save of a case, a call-back request and a suspension request (the
    timeline announces the rest of what happens to a case: every change writes an entry)."""
    live.follow(Case)
    live.follow(CallbackRequest)
    live.follow(SuspensionRequest)


def cases_version(user) -> str:
    """The version of the list of cases `user` sees. Staff see every case: one token changes
    with any case. A customer's contact: the ids of their visible cases and each one's own token,
    so a case of anyone else changes nothing (one query over their own cases)."""
    if policy.customer_scope(user).everything:
        return live.version(*live.tokens([CASES, CALLBACKS]))
    ids = list(visible_cases(user).order_by("pk").values_list("pk", flat=True))
    return live.version(ids, *live.tokens(live.row_topic(CASES, pk) for pk in ids))


def case_version(user, number: str) -> str:
    """The version of one case's page: 404 when `user` may not see the case (or there is none)."""
    pk = visible_cases(user).filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    return live.version(pk, *live.tokens([live.row_topic(CASES, pk)]))

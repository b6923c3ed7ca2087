"""Read side: which cases a user may see, and the queue's filters.

`visible_cases(user)` is THE visibility rule. Every page, API endpoint, search, export,
attachment download and notification starts from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.cases.models import (
    FINISHED_STATUSES,
    QUEUE_OPEN_STATUSES,
    Attachment,
    CallbackRequest,
    Case,
    CaseEvent,
    Status,
)
from aftersales.cases.numbering import looks_like_case_number
from aftersales.customers.phones import phone_search_key


def visible_cases(user) -> QuerySet[Case]:
    """The cases `user` may see: staff see all. A customer's contact sees only cases of their
    own organisation: all of them if marked as the customer's manager, otherwise the cases
    they reported and those they are copied on."""
    return policy.scope(user, Case.objects.all())


def cases_visible_to_contact(contact, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases (of `cases`, by default all) a customer's contact sees in the portal (also
    asked for a contact without a login, e.g. the sender of an e-mail): none when the contact
    is inactive. The customer-scope rule registers it for cases (cases/permissions.py)."""
    cases = Case.objects.all() if cases is None else cases
    if not contact.is_active:
        return cases.none()
    own = cases.filter(customer_id=contact.customer_id)
    if contact.is_customer_manager:
        return own
    copied = Case.copied_contacts.through.objects.filter(contact_id=contact.pk).values("case_id")
    return own.filter(Q(contact_id=contact.pk) | Q(pk__in=copied))


def visible_customer_ids(user) -> list[int] | None:
    """None means every customer (staff); otherwise the ids the user may see."""
    seen = policy.customer_scope(user)
    if seen.everything:
        return None
    return [seen.customer_id] if seen.customer_id is not None else []


def get_visible_case(user, number: str) -> Case:
    """One case by number, or 404 if it does not exist *or* the user may not see it."""
    try:
        return (
            visible_cases(user)
            .select_related(
                "customer",
                "contact",
                "site",
                "equipment__product_model__vendor",
                "owner",
                "team",
                "taken_by",
                "contract",
                "merged_into",
            )
            .get(number=number.upper())
        )
    except Case.DoesNotExist:
        raise Http404 from None


def visible_events(user, case: Case) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor")
    if not policy.allowed(user, "cases.read"):
        events = events.filter(public=True)
    return events


def name_shown_to(viewer, person) -> str:
    """How `person` (an event's actor, a file's uploader) is named to `viewer`. Staff see
    everyone as the user's own string; a customer's contact never sees a staff member's log-in
    name: their display or full name, else "Service desk"."""
    if person is None:
        return ""
    if policy.allowed(viewer, "cases.read") or not policy.allowed(person, "cases.read"):
        return str(person)
    return person.display_name or person.get_full_name() or str(_("Service desk"))


def get_visible_attachment(user, pk: int) -> Attachment:
    try:
        return policy.scope(user, Attachment.objects.all()).get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


# The queue's status filters besides one status: the manager's list of what to close is the
# resolved cases the customer has confirmed.
CONFIRMED = "confirmed"


def queue_status_choices() -> list[tuple[str, str | Promise]]:
    """The status filter's choices, for the queue page and the API alike."""
    return [
        ("open", _("Open")),
        ("finished", _("Finished")),
        (CONFIRMED, _("Resolved and confirmed by the customer (to close)")),
        ("all", _("All")),
        *Status.choices,
    ]


@dataclass
class QueueFilter:
    status: str = "open"  # "open", "finished", "confirmed", "all" or one Status value
    severities: tuple[str, ...] = ()
    kind: str = ""
    customer_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    q: str = ""
    due: str = ""  # "breached" or "soon" (due within DUE_SOON_MINUTES)
    sort: str = "severity"  # or "due": nearest deadline first
    area: str = ""  # "mine" (my region and team), "all", or "": the user's default (`default_area`)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QueueFilter:
        """The filter from cleaned input (the queue page's form, the API's query parameters):
        model instances or ids, missing keys meaning "any"."""

        def pk(value) -> int | None:
            return getattr(value, "pk", value) if value not in (None, "") else None

        return cls(
            status=data.get("status") or "open",
            severities=tuple(data.get("severity") or ()),
            kind=data.get("kind") or "",
            customer_id=pk(data.get("customer")),
            owner_id=pk(data.get("owner")),
            team_id=pk(data.get("team")),
            mine=bool(data.get("mine")),
            unassigned=bool(data.get("unassigned")),
            q=data.get("q") or "",
            due=data.get("due") or "",
            sort=data.get("sort") or "severity",
            area=data.get("area") or "",
        )


DUE_SOON_MINUTES = 30


def by_status(cases: QuerySet[Case], status: str) -> QuerySet[Case]:
    """Cases narrowed by one of the queue's status filters (`queue_status_choices`): "open"
    (resolved ones still need the customer's confirmation and a manager's close), "finished",
    "confirmed" (resolved and confirmed: to close), "all" or one status. The queue, the API and
    the portal's lists all narrow by it."""
    if status == "open":
        return cases.filter(status__in=QUEUE_OPEN_STATUSES)
    if status == "finished":
        return cases.filter(status__in=FINISHED_STATUSES)
    if status == CONFIRMED:
        return cases.filter(status=Status.RESOLVED, customer_confirmed_at__isnull=False)
    if status and status != "all":
        return cases.filter(status=status)
    return cases


# "My region and team": which cases are near a member of staff is known to other domain apps
# (dispatch: teams and engineers' regions), not to the case; each source gives a condition on
# the cases, or None when it knows nothing of the user.
AREA_SOURCES: list[Callable[[Any], Q | None]] = []
AREA_MINE, AREA_ALL = "mine", "all"


def register_area_source(source: Callable[[Any], Q | None]) -> None:
    if source not in AREA_SOURCES:
        AREA_SOURCES.append(source)


def area_choices() -> list[tuple[str, str | Promise]]:
    return [(AREA_MINE, _("My region and team")), (AREA_ALL, _("All regions"))]


def default_area(user, f: QueueFilter) -> str:
    """Engineers see their region and team first, unless they search (a number is looked for
    everywhere); everybody else every region. Not a visibility rule: any staff member may
    still choose "all regions" and open any case."""
    if f.q.strip() or not policy.allowed(user, "cases.queue_near_me"):
        return AREA_ALL
    return AREA_MINE


def my_area(user) -> Q | None:
    """The condition "near the user" from every registered source; None: nothing is known (no
    team, no region), so nothing is narrowed."""
    conditions = [condition for source in AREA_SOURCES if (condition := source(user)) is not None]
    if not conditions:
        return None
    area = Q(owner=user) | Q(taken_by=user)
    for condition in conditions:
        area |= condition
    return area


def queue(user, f: QueueFilter) -> QuerySet[Case]:
    """The case list as the queue shows it: filtered, searched, severity first then oldest."""
    cases = by_status(visible_cases(user), f.status)
    if (f.area or default_area(user, f)) == AREA_MINE and (area := my_area(user)) is not None:
        cases = cases.filter(area)
    if f.severities:
        cases = cases.filter(severity__in=f.severities)
    if f.kind:
        cases = cases.filter(kind=f.kind)
    if f.customer_id:
        cases = cases.filter(customer_id=f.customer_id)
    if f.owner_id:
        cases = cases.filter(owner_id=f.owner_id)
    if f.team_id:
        cases = cases.filter(team_id=f.team_id)
    if f.mine:
        cases = cases.filter(Q(owner=user) | Q(taken_by=user))
    if f.unassigned:
        cases = cases.filter(owner__isnull=True)
    if f.q.strip():
        cases = search(cases, f.q)
    if f.due:
        now = timezone.now()
        if f.due == "breached":
            cases = cases.filter(next_due_at__lte=now)
        elif f.due == "soon":
            cases = cases.filter(next_due_at__gt=now, next_due_at__lte=now + dt.timedelta(minutes=DUE_SOON_MINUTES))
    order: list[str | OrderBy] = ["severity", "opened_at", "pk"]
    if f.sort == "due":
        order = [F("next_due_at").asc(nulls_last=True), *order]
    return cases.select_related("customer", "owner", "team").order_by(*order)


# What other domain apps let a case be found by (dispatch: the vendors' case numbers), without
# the case knowing them: each source takes one lower-cased word and gives the matching case ids.
SEARCH_SOURCES: list[Callable[[str], QuerySet]] = []


def register_search_source(source: Callable[[str], QuerySet]) -> None:
    if source not in SEARCH_SOURCES:
        SEARCH_SOURCES.append(source)


# At most this many cases a registered source names for one word are looked at.
SOURCE_MATCHES = 1000


def search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Every word must occur in number, title, description or serial number (substring, so
    Chinese works without word splitting), or in what a registered source knows of the case.
    A word that is a whole case number finds that case by its number."""
    for word in text.lower().split()[:8]:
        cases = cases.filter(_word_match(word))
    return cases


def _word_match(word: str) -> Q:
    # A whole number: the unique index answers at once, where the trigram index would read the
    # posting lists of trigrams every number shares ("cs2", "202", ...), a million entries each.
    match = Q(number=word.upper()) if looks_like_case_number(word) else Q(search_text__contains=word)
    # The sources' ids are read first (a small query each): an `OR id IN (subquery)` would keep
    # PostgreSQL from using the trigram index and make it read every case.
    named = [_case_id(row) for source in SEARCH_SOURCES for row in source(word)[:SOURCE_MATCHES]]
    return match | Q(pk__in=named) if named else match


def _case_id(row) -> int:
    return next(iter(row.values())) if isinstance(row, dict) else row  # .values("case_id") or ids


def phone_digits_filter(field: str, fragment: str) -> Q:
    digits = phone_search_key(fragment)
    return Q(**{f"{field}__contains": digits}) if len(digits) >= 3 else Q(pk__in=[])


def pending_callbacks() -> QuerySet[CallbackRequest]:
    """Call-back requests nobody has taken yet: A before B, oldest first (top of the queue)."""
    return CallbackRequest.objects.filter(handled_at__isnull=True).select_related(
        "customer", "contact", "equipment__product_model"
    )

"""Assignment (派单, R4.8): which team and engineer a new case should go to, and why.

The team comes from the first matching assignment rule (product category, vendor, region,
severity), else the team of the site's region or service office. The engineer is the best
candidate of `routing.choose`: on duty first, then skilled, nearby and least loaded. A team with
automatic assignment gets the case at once; after hours the person on duty does, and the
people on duty are told (SMS and group chat for A/B).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import services as case_services
from aftersales.cases.models import OPEN_STATUSES, Case
from aftersales.core import refcache
from aftersales.core.errors import DomainError
from aftersales.dispatch import deadlines as dispatch_deadlines
from aftersales.dispatch import notices
from aftersales.dispatch.models import AssignmentRule, Engineer, Proposal, Shift, Team
from aftersales.dispatch.permissions import ASSIGNABLE
from aftersales.dispatch.routing import SEVERITY_WEIGHT, Candidate, choose
from aftersales.dispatch.services.roster import after_hours, on_duty
from aftersales.notifications.services import queue_notification
from aftersales.timeline.services import record

URGENT = ("A", "B")


@dataclass
class Result:
    """A proposal: the team, the engineer, and the reasons as data (worded by `describe`)."""

    team: Team | None = None
    owner: object | None = None
    candidate: Candidate | None = None
    rule: AssignmentRule | None = None
    after_hours: bool = False
    shifts: list[Shift] = field(default_factory=list)
    reasons: dict = field(default_factory=dict)

    @property
    def on_duty(self) -> bool:
        return self.candidate is not None and self.candidate.on_duty


def find_team(*, category: str, vendor_id: int | None, region: str, severity: str, office_id: int | None):
    """(team, rule): the first active rule matching the case, else the team of the region or office."""
    rules = refcache.cached(
        "dispatch.rules",
        (AssignmentRule, Team),
        lambda: list(AssignmentRule.objects.filter(is_active=True).select_related("team").order_by("order", "pk")),
    )
    for rule in rules:
        if rule.category and rule.category != category:
            continue
        if rule.vendor_id and rule.vendor_id != vendor_id:
            continue
        if rule.region and rule.region != region:
            continue
        if rule.severities and severity not in rule.severities:
            continue
        return rule.team, rule
    teams = refcache.cached("dispatch.teams", (Team,), lambda: list(Team.objects.all()))
    local = (next((t for t in teams if t.service_office_id == office_id), None) if office_id else None) or (
        next((t for t in teams if t.region == region), None) if region else None
    )
    return local, None


def _covering_shifts(at: dt.datetime, team: Team | None, region: str) -> list[Shift]:
    """Who is on duty for the case: the team's shifts, else (a team with no one on duty) the
    shifts of its region, else every shift — an after-hours case always reaches someone on duty."""
    covering = list(on_duty(at))  # one query; usually a handful of shifts cover a moment
    in_region = [s for s in covering if not region or s.region in ("", region)]
    for shifts in (
        [s for s in in_region if s.team_id == team.pk] if team is not None else [],
        in_region if region else [],
        covering,
    ):
        if shifts:
            return shifts
    return []


def _engineer_profiles(team: Team | None, region: str, duty_user_ids: set[int]):
    profiles = Engineer.objects.filter(user__is_active=True, user__in=policy.holders(ASSIGNABLE))
    if team is not None:
        profiles = profiles.filter(Q(user__teams=team) | Q(user_id__in=duty_user_ids))
    elif region:
        profiles = profiles.filter(Q(region=region) | Q(user_id__in=duty_user_ids))
    return profiles.distinct()


def _loads(user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per owner: (weighted load, number of open cases)."""
    rows = (
        Case.objects.filter(owner_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("owner_id", "severity")
        .annotate(n=Count("id"))
    )
    loads: dict[int, tuple[int, int]] = {}
    for row in rows:
        weight, count = loads.get(row["owner_id"], (0, 0))
        loads[row["owner_id"]] = (weight + SEVERITY_WEIGHT.get(row["severity"], 1) * row["n"], count + row["n"])
    return loads


def propose(*, site=None, equipment=None, severity: str = "C", at: dt.datetime | None = None, lock: bool = False):
    """The team and engineer a case about `equipment` at `site` of `severity`, opened `at`, should
    go to. With `lock`, the candidates' rows stay locked until the transaction ends, so two cases
    handed out at once see each other's assignment (call it inside the transaction that assigns)."""
    at = at or timezone.now()
    if equipment is not None and site is None:
        site = equipment.site
    product = equipment.product_model if equipment is not None else None
    category = product.category if product is not None else ""
    vendor = equipment.vendor if equipment is not None else None
    region = site.region if site is not None else ""
    office_id = site.service_office_id if site is not None else None
    team, rule = find_team(
        category=category,
        vendor_id=vendor.pk if vendor else None,
        region=region,
        severity=severity,
        office_id=office_id,
    )
    result = Result(team=team, rule=rule, after_hours=after_hours(at))
    result.shifts = _covering_shifts(at, team, region)
    duty_ids = {shift.duty_engineer_id for shift in result.shifts}
    profiles = _engineer_profiles(team, region, duty_ids).prefetch_related("vendors")
    if lock:
        # One lock per candidate, taken in id order (no deadlock between two assigners).
        ids = list(profiles.values_list("pk", flat=True))
        profiles = Engineer.objects.select_for_update().filter(pk__in=ids).order_by("pk").prefetch_related("vendors")
    profiles = list(profiles)
    loads = _loads([p.user_id for p in profiles])
    candidates = []
    for profile in profiles:
        shift_duty = profile.user_id in duty_ids
        if not profile.available and not shift_duty:
            continue
        skilled = (not vendor and not category) or (
            (vendor is not None and vendor in profile.vendors.all()) or (category in profile.category_list)
        )
        nearby = bool((office_id and profile.service_office_id == office_id) or (region and profile.region == region))
        load, open_cases = loads.get(profile.user_id, (0, 0))
        candidates.append(
            Candidate(
                user_id=profile.user_id,
                on_duty=shift_duty or not result.after_hours,
                skilled=bool(skilled),
                nearby=nearby,
                load=load,
                open_cases=open_cases,
            )
        )
    result.candidate = choose(candidates)
    if result.candidate is not None:
        result.owner = get_user_model().objects.get(pk=result.candidate.user_id)
    result.reasons = {
        "region": region,
        "vendor": vendor.name if vendor else "",
        "rule": rule.name if rule else "",
        "team": team.pk if team else None,
        "after_hours": result.after_hours,
        "on_duty": result.on_duty,
        "open_cases": result.candidate.open_cases if result.candidate else None,
        "skilled": result.candidate.skilled if result.candidate else None,
    }
    return result


def describe(reasons: dict) -> str:
    """The reasons in the reader's language: "上海 · AVAYA · 当前 3 个未结案例"."""
    parts = [p for p in (reasons.get("region"), reasons.get("vendor")) if p]
    if reasons.get("after_hours"):
        parts.append(_("on duty") if reasons.get("on_duty") else _("after hours, nobody on duty"))
    if reasons.get("open_cases") is not None:
        parts.append(_("%(count)s open cases now") % {"count": reasons["open_cases"]})
    elif reasons.get("team") is not None or reasons.get("rule"):
        parts.append(_("no engineer available"))
    if reasons.get("rule"):
        parts.append(_("rule: %(rule)s") % {"rule": reasons["rule"]})
    return " · ".join(parts) or _("no rule or team matches")


def _count_assignment(owner) -> None:
    Engineer.objects.filter(user=owner).update(assignments=F("assignments") + 1)


def on_case_opened(sender, case: Case, by, **kwargs) -> None:
    """`cases.signals.case_opened`: propose, keep the proposal, route the case to its team, give
    it to the engineer when the team assigns automatically or it is after hours and someone is
    on duty, and tell the people on duty about an after-hours case. The desk's own choice at
    intake (owner or team already set) stands. A case left without an owner gets its
    assignment deadline (dispatch/deadlines.py)."""
    _propose_on_opening(case)
    if case.owner_id is None:
        # From now: a call entered afterwards is dispatched from when it is entered.
        dispatch_deadlines.start_assignment_deadline(case, at=timezone.now())


def _propose_on_opening(case: Case) -> None:
    result = propose(site=case.site, equipment=case.equipment, severity=case.severity, at=case.opened_at, lock=True)
    if result.after_hours:
        _tell_duty(case, result.shifts)
    if result.owner is None and result.team is None:
        return  # nothing to propose: the case waits on the boards as unassigned
    proposal = Proposal.objects.create(
        case=case, owner=result.owner, team=result.team, reasons=result.reasons, after_hours=result.after_hours
    )
    if case.owner_id is None and case.team_id is None:
        automatic = (
            result.owner is not None
            and result.on_duty
            and (result.after_hours or (result.team is not None and result.team.auto_assign))
        )
        if automatic or result.team is not None:
            owner = result.owner if automatic else None
            case_services.assign(case=case, by=None, owner=owner, team=result.team)
            case.refresh_from_db(fields=["owner", "team"])
            if owner is not None:
                _count_assignment(owner)
                proposal.applied = True
                proposal.save(update_fields=["applied"])
    record(case, actor=None, kind="dispatch.proposed", data={**result.reasons, "owner": proposal.owner_id})


def _tell_duty(case: Case, shifts: list[Shift]) -> None:
    people = {}
    for shift in shifts:
        people[shift.duty_engineer_id] = shift.duty_engineer
        people[shift.duty_manager_id] = shift.duty_manager
    if not people:
        return
    channels = ["sms", "im", "email"] if case.severity in URGENT else ["email"]
    queue_notification(
        kind=notices.DUTY_CASE,
        recipients=list(people.values()),
        subject=_("After-hours case %(number)s (%(severity)s)") % {"number": case.number, "severity": case.severity},
        case=case,
        payload={"channels": channels},
        dedupe_key=f"duty-case:{case.pk}",
    )


@transaction.atomic
def apply_proposal(*, case: Case, by) -> Case:
    """Give the case to the proposal made when it was opened (proposed again if none was kept)."""
    policy.require(by, "dispatch.assign", case)
    result = propose(site=case.site, equipment=case.equipment, severity=case.severity, lock=True)
    if result.owner is None and result.team is None:
        raise DomainError(_("Nobody can be proposed for this case: choose the owner yourself."))
    updated = case_services.assign(case=case, by=by, owner=result.owner, team=result.team)
    if result.owner is not None:
        _count_assignment(result.owner)
    return updated


def unassigned_cases():
    """Open cases nobody owns, oldest first: the duty manager's list."""
    return (
        Case.objects.filter(status__in=OPEN_STATUSES, owner__isnull=True)
        .select_related("customer", "team")
        .order_by("opened_at")
    )

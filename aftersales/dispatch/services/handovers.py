"""Handing a case over to another team (R4.4): the receiving team accepts or refuses; until then
both teams see it on their boards and the managers see every pending handover with its age; a
refusal returns the case with the reason, so nothing falls between desks."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.dispatch import deadlines as dispatch_deadlines
from aftersales.dispatch import notices
from aftersales.dispatch.models import Handover, Team
from aftersales.notifications.services import queue_notification
from aftersales.timeline.services import record


def _receivers(team: Team) -> list:
    people = [team.manager] if team.manager_id else []
    return people or list(team.members.filter(is_active=True))


@transaction.atomic
def request_handover(*, case: Case, by, to_team: Team, reason: str) -> Handover:
    """Offer the case to `to_team`, with the reason. At most one handover of a case is pending
    (a second one at the same time is a Conflict); the receiving team's manager (or, without
    one, its members) is notified."""
    policy.require(by, "dispatch.request_handover", case)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why."), fields={"reason": [_("This field is required.")]})
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be handed over; reopen it first."))
    if locked.team_id == to_team.pk:
        raise DomainError(_("The case is already with this team."), fields={"to_team": [_("Choose another team.")]})
    if Handover.objects.filter(case=locked, status=Handover.Status.PENDING).exists():
        raise Conflict(_("A handover of this case is already awaiting acceptance."))
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                case=locked, from_team_id=locked.team_id, to_team=to_team, reason=reason, requested_by=by
            )
    except IntegrityError:
        raise Conflict(_("A handover of this case is already awaiting acceptance.")) from None
    dispatch_deadlines.start_handover_deadline(handover)
    record(
        locked,
        actor=by,
        kind="dispatch.handover.requested",
        data={"handover": handover.pk, "changes": {"team": [locked.team_id, to_team.pk]}, "text": reason},
    )
    receivers = [person for person in _receivers(to_team) if person != by]
    if receivers:
        queue_notification(
            kind=notices.HANDOVER_REQUESTED,
            recipients=receivers,
            subject=_("Case %(number)s handed over to %(team)s") % {"number": locked.number, "team": to_team.name},
            case=locked,
            payload={"handover": handover.pk},
        )
    return handover


@transaction.atomic
def decide_handover(*, handover: Handover, by, accept: bool, note: str = "", owner=None) -> Handover:
    """The receiving team accepts (the case moves to it, to `owner` or to nobody in it yet) or
    refuses with a reason (the case stays where it was and the requester is told why). Decided
    once: of two people deciding at once, the second gets a Conflict."""
    policy.require(by, "dispatch.decide_handover", handover)
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError(_("Say why the handover is refused."), fields={"note": [_("This field is required.")]})
    locked = Handover.objects.select_for_update().select_related("to_team", "case").get(pk=handover.pk)
    if locked.status != Handover.Status.PENDING:
        raise Conflict(_("This handover has already been decided."))
    if owner is not None and not locked.to_team.members.filter(pk=owner.pk).exists():
        raise DomainError(
            _("Choose a member of the receiving team."), fields={"owner": [_("Not a member of the team.")]}
        )
    locked.status = Handover.Status.ACCEPTED if accept else Handover.Status.REFUSED
    locked.decided_by, locked.decided_at, locked.note = by, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "note"])
    dispatch_deadlines.meet_handover_deadline(locked, at=locked.decided_at)
    case = locked.case
    if accept:
        case_services.assign(case=case, by=by, owner=owner, team=locked.to_team)
    record(
        case,
        actor=by,
        kind="dispatch.handover.decided",
        data={"handover": locked.pk, "accepted": accept, "team": locked.to_team_id, "text": note},
    )
    if locked.requested_by != by:
        queue_notification(
            kind=notices.HANDOVER_DECIDED,
            recipients=[locked.requested_by],
            subject=(
                _("Handover of %(number)s accepted by %(team)s")
                if accept
                else _("Handover of %(number)s refused by %(team)s")
            )
            % {"number": case.number, "team": locked.to_team.name},
            case=case,
            payload={"handover": locked.pk},
        )
    return locked


@transaction.atomic
def withdraw_handover(*, handover: Handover, by) -> Handover:
    """The requester (or a manager) takes a pending handover back."""
    locked = Handover.objects.select_for_update().get(pk=handover.pk)
    if locked.requested_by_id != by.pk:
        policy.require(by, "dispatch.plan_roster")
    if locked.status != Handover.Status.PENDING:
        raise Conflict(_("This handover has already been decided."))
    locked.status, locked.decided_by, locked.decided_at = Handover.Status.WITHDRAWN, by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    dispatch_deadlines.meet_handover_deadline(locked, at=locked.decided_at)
    record(locked.case, actor=by, kind="dispatch.handover.withdrawn", data={"handover": locked.pk})
    return locked


def pending_handovers() -> QuerySet[Handover]:
    """Every handover awaiting acceptance, oldest first (the managers' list)."""
    return (
        Handover.objects.filter(status=Handover.Status.PENDING)
        .select_related("case", "case__customer", "from_team", "to_team", "requested_by")
        .order_by("requested_at")
    )


def team_cases(team: Team) -> QuerySet[Case]:
    """A team's open cases, including those offered to it and not yet accepted (both teams see them)."""
    offered = Handover.objects.filter(status=Handover.Status.PENDING, to_team=team).values("case_id")
    from aftersales.cases.models import OPEN_STATUSES

    return Case.objects.filter(Q(team=team) | Q(pk__in=offered), status__in=OPEN_STATUSES)

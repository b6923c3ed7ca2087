"""How a case is handled (R4.1): A1 guidance, A2 remote login (only with the customer's recorded,
unexpired authorisation), A3 on site; and the next step of the decision flow (S1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases.models import Case
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.dispatch.models import Handling, RemoteAuthorisation
from aftersales.timeline.services import record

# An authorisation lasts at most this long: a standing permission is renewed, not forgotten.
MAX_AUTHORISATION = dt.timedelta(days=366)


def valid_authorisation(case: Case, at: dt.datetime | None = None) -> RemoteAuthorisation | None:
    """The customer's authorisation for remote login covering `at` (now) and the case's equipment."""
    at = at or timezone.now()
    found = RemoteAuthorisation.objects.filter(customer_id=case.customer_id, granted_at__lte=at, valid_until__gt=at)
    found = found.filter(Q(equipment__isnull=True) | Q(equipment_id=case.equipment_id))
    return found.order_by("-valid_until").first()


def _require_authorisation(case: Case, at: dt.datetime) -> RemoteAuthorisation:
    authorisation = valid_authorisation(case, at)
    if authorisation is not None:
        return authorisation
    last = (
        RemoteAuthorisation.objects.filter(customer_id=case.customer_id)
        .filter(Q(equipment__isnull=True) | Q(equipment_id=case.equipment_id))
        .order_by("-valid_until")
        .first()
    )
    if last is not None and last.valid_until <= at:
        raise NotAllowed(
            _(
                "The customer's authorisation for remote login (given by %(who)s) expired on %(until)s. "
                "Record a new authorisation before logging in."
            )
            % {"who": last.granted_by, "until": timezone.localtime(last.valid_until).strftime("%Y-%m-%d %H:%M")},
            fields={"mode": [_("Remote login needs the customer's current authorisation.")]},
        )
    raise NotAllowed(
        _("Remote login needs the customer's authorisation: record who gave it, when, how and until when."),
        fields={"mode": [_("Remote login needs the customer's current authorisation.")]},
    )


@transaction.atomic
def record_authorisation(
    *,
    case: Case,
    by,
    granted_by: str,
    channel: str,
    granted_at: dt.datetime,
    valid_until: dt.datetime,
    whole_customer: bool = False,
) -> RemoteAuthorisation:
    """Record the customer's permission to log in remotely, given by `granted_by` by `channel`
    at `granted_at` until `valid_until`: for the case's equipment (or all of the customer's)."""
    policy.require(by, "dispatch.authorise_remote", case)
    now = timezone.now()
    errors: dict[str, list] = {}
    if not (granted_by or "").strip():
        errors["granted_by"] = [_("This field is required.")]
    if channel not in RemoteAuthorisation.Channel.values:
        errors["channel"] = [_("Invalid choice.")]
    if granted_at is None or granted_at > now + dt.timedelta(minutes=5):
        errors["granted_at"] = [_("The authorisation cannot be given in the future.")]
    elif valid_until is None or valid_until <= max(granted_at, now):
        errors["valid_until"] = [_("The authorisation must still be valid: give a later end.")]
    elif valid_until - granted_at > MAX_AUTHORISATION:
        errors["valid_until"] = [_("An authorisation lasts at most a year.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    authorisation = RemoteAuthorisation.objects.create(
        customer_id=case.customer_id,
        equipment_id=None if whole_customer else case.equipment_id,
        granted_by=granted_by.strip(),
        channel=channel,
        granted_at=granted_at,
        valid_until=valid_until,
        recorded_by=by,
    )
    record(
        case,
        actor=by,
        kind="dispatch.authorised",
        data={
            "granted_by": authorisation.granted_by,
            "channel": channel,
            "granted_at": granted_at.isoformat(),
            "valid_until": valid_until.isoformat(),
            "authorisation": authorisation.pk,
        },
        public=True,
    )
    return authorisation


@transaction.atomic
def set_handling(*, case: Case, by, mode: str, diagnosis: str | None = None) -> Handling:
    """Record how the case is handled and what the fault looks like. Remote login (A2) is refused
    without the customer's current authorisation, with a message saying what is missing."""
    policy.require(by, "dispatch.handle", case)
    if mode not in Handling.Mode.values:
        raise DomainError(_("Choose A1, A2 or A3."), fields={"mode": [_("Invalid choice.")]})
    if diagnosis is not None and diagnosis not in Handling.Diagnosis.values:
        raise DomainError(_("Invalid choice."), fields={"diagnosis": [_("Invalid choice.")]})
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be edited; reopen it first."))
    now = timezone.now()
    handling, created = Handling.objects.select_for_update().get_or_create(case=locked)
    if mode == Handling.Mode.REMOTE and handling.mode != mode:
        _require_authorisation(locked, now)
    changes = {}
    if handling.mode != mode or created:
        changes["mode"] = [None if created else handling.mode, mode]
    if diagnosis is not None and diagnosis != handling.diagnosis:
        changes["diagnosis"] = [handling.diagnosis, diagnosis]
        handling.diagnosis = diagnosis
    handling.mode, handling.updated_by, handling.updated_at = mode, by, now
    handling.save()
    if changes:
        record(locked, actor=by, kind="dispatch.handling", data={"changes": changes}, public=True)
    return handling


@transaction.atomic
def record_remote_login(*, case: Case, by, text: str = "") -> None:
    """An engineer logs in remotely (A2): allowed only under the customer's current authorisation,
    which the timeline names."""
    policy.require(by, "dispatch.handle", case)
    now = timezone.now()
    authorisation = _require_authorisation(case, now)
    record(
        case,
        actor=by,
        kind="dispatch.remote_login",
        data={"authorisation": authorisation.pk, "granted_by": authorisation.granted_by, "text": (text or "").strip()},
        public=True,
    )


@dataclass(frozen=True)
class NextStep:
    """The decision flow's next step (S1): what to do, and the handling mode it leads to."""

    text: str | Promise
    mode: str
    third_party: bool = False


FLOW = {
    Handling.Diagnosis.PRODUCT: NextStep(
        gettext_lazy("Product problem: log in remotely (A2); if that does not fix it, go on site within 24 h (A3)."),
        Handling.Mode.REMOTE,
    ),
    Handling.Diagnosis.ENVIRONMENT: NextStep(
        gettext_lazy("Environment problem: request the third-party vendor (record the request below)."),
        Handling.Mode.GUIDANCE,
        third_party=True,
    ),
    Handling.Diagnosis.UNCLEAR: NextStep(
        gettext_lazy("Unclear: go on site (A3) and contact the third party."), Handling.Mode.ON_SITE, third_party=True
    ),
}
FIRST_STEP = NextStep(
    gettext_lazy("Guide the customer by phone (A1) and find out whether it is a product or an environment problem."),
    Handling.Mode.GUIDANCE,
)


def next_step(case: Case) -> NextStep:
    handling = Handling.objects.filter(case=case).first()
    if handling is None or not handling.diagnosis:
        return FIRST_STEP
    step = FLOW[Handling.Diagnosis(handling.diagnosis)]
    if step.mode == Handling.Mode.REMOTE and handling.mode == Handling.Mode.REMOTE:
        return NextStep(
            gettext_lazy("Remote login did not fix it? Go on site within 24 h (A3)."), Handling.Mode.ON_SITE
        )
    return step

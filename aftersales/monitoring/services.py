"""Receiving monitoring alarms: a raise opens a case or joins the open one, a clear is noted on
the case and may propose (or, if the source says so, carry out) its resolution. Cases are
opened and changed only through `aftersales.cases.services`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases import services as cases
from aftersales.cases.models import OPEN_STATUSES, Case, Channel, Kind, Status
from aftersales.cases.workflow import moves_for
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.installed_base.models import Equipment
from aftersales.installed_base.queries import equipment_by_serial, normalised_serial
from aftersales.monitoring.models import Alarm, AlarmSource, SeverityMapping, normalise_severity

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 20000
MERGE_HOPS = 5  # a merged case's target may itself have been merged


class AlarmError(DomainError):
    """An alarm that cannot be taken as sent (unknown equipment, …); nothing was recorded."""


@dataclass(frozen=True)
class Receipt:
    """What became of an alarm: `created` is False when the same event had been received
    before (`action` is then "duplicate" and `alarm` is the row recorded the first time)."""

    alarm: Alarm
    action: str
    created: bool

    @property
    def case(self) -> Case | None:
        return self.alarm.case


DUPLICATE = "duplicate"


def source_for(user) -> AlarmSource | None:
    """The active alarm source `user` posts as; None for anyone else (customers always)."""
    if not (user.is_authenticated and user.is_active) or policy.allowed(user, "customers.contact"):
        return None
    return AlarmSource.objects.filter(api_user=user, is_active=True).first()


def case_severity_for(source: AlarmSource, severity: str) -> str:
    """The case severity a monitoring severity means: the source's own mapping, else the
    default mapping for every source, else the source's default severity."""
    key = normalise_severity(severity)
    mapping = (
        SeverityMapping.objects.filter(Q(source=source) | Q(source__isnull=True), monitoring_severity=key)
        .order_by(F("source").asc(nulls_last=True))
        .first()
    )
    return mapping.case_severity if mapping is not None else source.default_severity


def find_equipment(*, serial_number: str = "", site_id: int | None = None, host_name: str = "") -> Equipment:
    """The one piece of in-service equipment named by serial number, or by site and host name."""
    host_name = (host_name or "").strip()
    in_service = Equipment.objects.filter(is_active=True).select_related("customer", "site")
    if normalised_serial(serial_number):
        field, matches = "serial_number", equipment_by_serial(serial_number, within=in_service)
        if site_id is not None and len(matches) > 1:
            matches = [m for m in matches if m.site_id == site_id]
    else:
        field, matches = "host_name", list(in_service.filter(site_id=site_id, hostname__iexact=host_name)[:2])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        message = gettext_lazy("No equipment in service matches this alarm.")
        detail = (
            gettext_lazy("No equipment in service has this serial number.")
            if field == "serial_number"
            else gettext_lazy("No equipment in service at this site has this host name.")
        )
    else:
        message = gettext_lazy("More than one piece of equipment matches this alarm.")
        detail = gettext_lazy("Several pieces of equipment match; give the site and host name as well.")
    raise AlarmError(message, fields={field: [detail]})


def receive_alarm(
    *,
    source: AlarmSource,
    alarm_id: str,
    severity: str = "",
    text: str = "",
    raised_at: dt.datetime | None = None,
    cleared_at: dt.datetime | None = None,
    serial_number: str = "",
    site_id: int | None = None,
    host_name: str = "",
    payload: dict | None = None,
) -> Receipt:
    """Record one alarm event from `source` and act on it, as the source's API user.

    An event with `cleared_at` is a clear, otherwise a raise (which needs `raised_at`).
    Guarantees: the equipment is found before anything is written (AlarmError otherwise);
    a raise is acted on once per (source, alarm id, raised time) and a clear once per
    (source, alarm id, cleared time) — a repeat, even one arriving at the same instant from
    another process, returns the first receipt with action "duplicate"; a raise joins the
    open case of the same alarm on the same equipment, or opens one (channel "monitoring");
    everything happens in one transaction.
    """
    if not source.is_active:
        raise NotAllowed(gettext_lazy("This alarm source is switched off."))
    if cleared_at is None and raised_at is None:
        raise AlarmError(
            gettext_lazy("Say when the alarm was raised or cleared."),
            fields={"raised_at": [gettext_lazy("This field is required.")]},
        )
    equipment = find_equipment(serial_number=serial_number, site_id=site_id, host_name=host_name)
    alarm = Alarm(
        source=source,
        alarm_id=alarm_id.strip(),
        event=Alarm.Event.CLEAR if cleared_at is not None else Alarm.Event.RAISE,
        equipment=equipment,
        severity=normalise_severity(severity),
        text=(text or "").strip(),
        raised_at=raised_at,
        cleared_at=cleared_at,
        payload=payload or {},
    )
    with transaction.atomic():
        first = _recorded_before(alarm)
        if first is not None:
            return Receipt(alarm=first, action=DUPLICATE, created=False)
        try:
            # The unique constraint decides between two identical events: the second INSERT
            # waits for the first transaction and then fails, and we answer with its row.
            with transaction.atomic():
                alarm.save()
        except IntegrityError:
            first = _recorded_before(alarm)
            if first is None:
                raise
            return Receipt(alarm=first, action=DUPLICATE, created=False)
        # Alarms of one piece of equipment are handled one at a time, so two raises of the same
        # alarm (at different times) arriving together still end up in one case.
        Equipment.objects.select_for_update().filter(pk=equipment.pk).exists()
        if alarm.event == Alarm.Event.RAISE:
            _raise(alarm)
        else:
            _clear(alarm)
        alarm.save(update_fields=["case", "case_severity", "action"])
    return Receipt(alarm=alarm, action=alarm.action, created=True)


def _recorded_before(alarm: Alarm) -> Alarm | None:
    same = Alarm.objects.filter(source=alarm.source, alarm_id=alarm.alarm_id, event=alarm.event)
    if alarm.event == Alarm.Event.RAISE:
        same = same.filter(raised_at=alarm.raised_at)
    else:
        same = same.filter(cleared_at=alarm.cleared_at)
    return same.exclude(pk=alarm.pk).select_related("case").first()


def _same_alarm(alarm: Alarm):
    """Earlier raises of this alarm on this equipment."""
    return Alarm.objects.filter(
        source=alarm.source, alarm_id=alarm.alarm_id, equipment=alarm.equipment, event=Alarm.Event.RAISE
    ).exclude(pk=alarm.pk)


def _surviving(case: Case | None) -> Case | None:
    """A case merged into another stands for the case it was merged into (the desk decided
    they are one); that one may itself have been merged."""
    for _hop in range(MERGE_HOPS):
        if case is None or case.status != Status.MERGED or case.merged_into_id is None:
            break
        case = Case.objects.get(pk=case.merged_into_id)
    return case


def _open_case_of(alarm: Alarm) -> Case | None:
    """The open case the last raise of this alarm belongs to, if it is still open."""
    last = _same_alarm(alarm).filter(case__isnull=False).select_related("case").order_by("-received_at").first()
    case = _surviving(last.case if last is not None else None)
    return case if case is not None and case.status in OPEN_STATUSES else None


def _raise(alarm: Alarm) -> None:
    source, user = alarm.source, alarm.source.api_user
    alarm.case_severity = case_severity_for(source, alarm.severity)
    joined = _open_case_of(alarm)
    if joined is not None:
        alarm.case, alarm.action = joined, Alarm.Action.ADDED
        text = _("Monitoring alarm raised again.") + "\n" + _details(alarm)
        cases.add_comment(case=joined, by=user, text=text, public=False, counts_as_progress=False)
        return
    previous = _same_alarm(alarm).filter(case__isnull=False).select_related("case").order_by("-received_at").first()
    description = _details(alarm)
    if previous is not None:
        description += "\n" + _("Earlier case for this alarm: %(number)s") % {"number": previous.case.number}
    alarm.case = cases.open_case(
        customer=alarm.equipment.customer,
        by=user,
        title=_title(alarm),
        description=description[:DESCRIPTION_LENGTH],
        kind=Kind.FAULT,
        severity=alarm.case_severity,
        channel=Channel.MONITORING,
        equipment=alarm.equipment,
    )
    alarm.action = Alarm.Action.OPENED


def _clear(alarm: Alarm) -> None:
    raises = _same_alarm(alarm).filter(cleared_at__isnull=True)
    if alarm.raised_at is not None:
        raises = raises.filter(raised_at=alarm.raised_at)
    latest = raises.filter(case__isnull=False).select_related("case").order_by("-received_at").first()
    raises.update(cleared_at=alarm.cleared_at)
    alarm.action = Alarm.Action.CLEARED
    if latest is None:
        # Nothing active to clear (the raise never reached us, or was cleared already): the
        # clear is kept, pointing at the last case of this alarm if there is one.
        last = _same_alarm(alarm).filter(case__isnull=False).order_by("-received_at").first()
        alarm.case = last.case if last is not None else None
        return
    alarm.case = case = _surviving(latest.case)
    if case.status not in OPEN_STATUSES | {Status.RESOLVED}:
        return
    still_active = case.alarms.filter(event=Alarm.Event.RAISE, cleared_at__isnull=True).exists()
    text = _("Monitoring alarm cleared.") + "\n" + _details(alarm)
    # A case already resolved gets the clear as confirmation, nothing more.
    if still_active or alarm.source.on_clear == AlarmSource.OnClear.NOTE or case.status == Status.RESOLVED:
        cases.add_comment(case=case, by=alarm.source.api_user, text=text, public=False, counts_as_progress=False)
        return
    if alarm.source.on_clear == AlarmSource.OnClear.RESOLVE and _may_resolve(case, alarm.source.api_user):
        note = text + "\n" + _("Resolved automatically because the monitoring system reports the alarm cleared.")
        cases.transition(case=case, action="resolve", by=alarm.source.api_user, text=note)
        alarm.action = Alarm.Action.RESOLVED
        return
    text += "\n" + _(
        "Proposal: the monitoring system reports no active alarm on this case any more. "
        "Check with the customer and mark the case resolved if the service is back."
    )
    cases.add_comment(case=case, by=alarm.source.api_user, text=text, public=False, counts_as_progress=False)


def _may_resolve(case: Case, user) -> bool:
    return any(move.action == "resolve" for move in moves_for(user, case))


def _title(alarm: Alarm) -> str:
    equipment = alarm.equipment.hostname or alarm.equipment.serial_number
    first_line = alarm.text.splitlines()[0] if alarm.text else alarm.alarm_id
    return f"[{alarm.source.name}] {equipment}: {first_line}"[:TITLE_LENGTH]


def _details(alarm: Alarm) -> str:
    equipment = alarm.equipment
    lines = [
        _("Source: %(source)s, alarm id %(alarm_id)s") % {"source": alarm.source.name, "alarm_id": alarm.alarm_id},
        _("Equipment: %(equipment)s, host name %(host)s") % {"equipment": equipment, "host": equipment.hostname or "-"},
    ]
    if alarm.event == Alarm.Event.RAISE:
        lines.append(
            _("Monitoring severity: %(severity)s → case severity %(case_severity)s")
            % {"severity": alarm.severity or "-", "case_severity": alarm.case_severity or "-"}
        )
    if alarm.raised_at is not None:
        lines.append(_("Raised at: %(at)s") % {"at": _local(alarm.raised_at)})
    if alarm.cleared_at is not None:
        lines.append(_("Cleared at: %(at)s") % {"at": _local(alarm.cleared_at)})
    if alarm.text:
        lines += ["", alarm.text]
    return "\n".join(lines)[:DESCRIPTION_LENGTH]


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")

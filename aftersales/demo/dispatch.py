"""Demo dispatch: the L1 teams' regions and offices, the engineers' skills, assignment rules, a
duty roster for this week and the next (nights on working days, whole days on weekends and
public holidays, from the business calendar), a swap, a vendor TAC case, a third-party request,
a remote-login authorisation and a pending handover. Loaded after the cases, through the
services; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.cases.models import OPEN_STATUSES, Case, Tier
from aftersales.demo.base import LoaderBase
from aftersales.dispatch import services
from aftersales.dispatch.models import (
    AssignmentRule,
    Engineer,
    Handover,
    RemoteAuthorisation,
    Shift,
    ShiftSwap,
    VendorCase,
)
from aftersales.installed_base.models import Vendor

# fmt: off
# team → (region, nearest service office, assigns automatically)
TEAM_PLACES = {
    "一线维护组（上海）": ("上海", "上海服务中心", True),
    "一线维护组（北京）": ("北京", "北京服务中心", True),
    "一线维护组（广州）": ("广州", "广州服务中心", False),
    "二线现场支持组": ("上海", "上海服务中心", False),
}
# username → (region, office, vendors, product categories)
ENGINEERS = {
    "engineer": ("上海", "上海服务中心", ("AVAYA", "Cisco"), "telephony, router, switch"),
    "engineer2": ("北京", "北京服务中心", ("AVAYA", "Cisco"), "telephony, router, switch"),
    "engineer3": ("广州", "广州服务中心", ("AVAYA", "Cisco"), "telephony, router, switch"),
    "specialist": ("上海", "上海服务中心", ("AVAYA",), "telephony"),
    "specialist2": ("上海", "上海服务中心", ("Cisco",), "router, switch"),
    "expert": ("上海", "上海服务中心", ("AVAYA", "Cisco"), "telephony, router, switch, software"),
    "liaison": ("上海", "上海服务中心", ("AVAYA", "Cisco"), ""),
}
# (order, name, category, vendor, region, severities, team)
RULES = [
    (10, "深圳站点由广州一线负责", "", "", "深圳", "", "一线维护组（广州）"),
    (20, "计费软件直接进二线", "software", "", "", "", "二线现场支持组"),
    (100, "上海区域", "", "", "上海", "", "一线维护组（上海）"),
    (100, "北京区域", "", "", "北京", "", "一线维护组（北京）"),
    (100, "广州区域", "", "", "广州", "", "一线维护组（广州）"),
]
# team → duty engineers taking turns, duty manager
ROSTER = {
    "一线维护组（上海）": (("engineer", "specialist"), "duty"),
    "一线维护组（北京）": (("engineer2",), "duty"),
    "一线维护组（广州）": (("engineer3",), "duty"),
}
# fmt: on
WEEKS = 2


class DispatchLoader(LoaderBase):
    def load_dispatch(self) -> None:
        self._places_and_skills()
        self._rules()
        self._roster()
        self._examples()

    def _places_and_skills(self) -> None:
        for name, (region, office, automatic) in TEAM_PLACES.items():
            team = self.teams[name]
            if (team.region, team.service_office_id, team.auto_assign) != (region, self.offices[office].pk, automatic):
                team.region, team.service_office, team.auto_assign = region, self.offices[office], automatic
                team.save(update_fields=["region", "service_office", "auto_assign"])
        vendors = {vendor.name: vendor for vendor in Vendor.objects.all()}
        for username, (region, office, skills, categories) in ENGINEERS.items():
            profile = self._get_or_create(
                Engineer,
                "engineers",
                user=self.users[username],
                defaults={"region": region, "service_office": self.offices[office], "categories": categories},
            )
            profile.vendors.add(*(vendors[v] for v in skills if v in vendors))

    def _rules(self) -> None:
        vendors = {vendor.name: vendor for vendor in Vendor.objects.all()}
        for order, name, category, vendor, region, severities, team in RULES:
            self._get_or_create(
                AssignmentRule,
                "assignment rules",
                name=name,
                defaults={
                    "order": order,
                    "category": category,
                    "vendor": vendors.get(vendor),
                    "region": region,
                    "severities": severities,
                    "team": self.teams[team],
                },
            )

    def _roster(self) -> None:
        monday = self.today - dt.timedelta(days=self.today.weekday())
        for team_name, (engineers, manager) in ROSTER.items():
            for week in range(WEEKS):
                planned = services.fill_week(
                    team=self.teams[team_name],
                    monday=monday + dt.timedelta(days=7 * week),
                    engineers=[self.users[name] for name in engineers],
                    duty_manager=self.users[manager],
                    by=self.users[manager],
                )
                for _shift in planned:
                    self.report.add("shifts", True)
        if not ShiftSwap.objects.exists():
            shift = Shift.objects.filter(
                team=self.teams["一线维护组（上海）"], duty_engineer=self.users["specialist"]
            ).first()
            if shift is not None:
                services.swap_shift(
                    shift=shift,
                    by=self.users["duty"],
                    duty="engineer",
                    to_user=self.users["engineer"],
                    reason="张伟外出培训",
                )

    def _examples(self) -> None:
        """A vendor TAC case, a third-party request, an authorisation and a pending handover on
        open demo cases, each written once."""
        liaison, manager = self.users["liaison"], self.users["manager"]
        open_cases = Case.objects.filter(status__in=OPEN_STATUSES).exclude(status="new").order_by("opened_at")
        if not VendorCase.objects.exists():
            tac = (
                open_cases.filter(equipment__isnull=False, tier=Tier.L4).first()
                or open_cases.filter(equipment__isnull=False).first()
            )
            if tac is not None:
                if tac.tier != Tier.L4:
                    services.change_tier(case=tac, by=liaison, to_tier=Tier.L4, reason="疑似软件缺陷，需厂家研发分析")
                assert tac.equipment is not None
                vendor_case = services.open_vendor_case(
                    case=tac,
                    by=liaison,
                    kind="vendor_tac",
                    vendor=tac.equipment.vendor,
                    number="TAC-6928-4417",
                    contact="TAC 工程师 Kevin, +86 400 810 8888",
                    severity="S2",
                )
                services.add_vendor_update(
                    vendor_case=vendor_case, by=liaison, text="厂家要求提供 show tech 与 trace 日志，已上传。"
                )
            third = (open_cases.exclude(pk=tac.pk) if tac is not None else open_cases).first()
            if third is not None:
                services.open_vendor_case(
                    case=third,
                    by=liaison,
                    kind="third_party",
                    party="中国电信上海分公司",
                    number="DX-SH-20261122-031",
                    contact="电信机房值班 021-6431 0000",
                    severity="S3",
                )
        bank = self.customers.get("bank")
        if bank is not None and not RemoteAuthorisation.objects.exists():
            case = Case.objects.filter(customer=bank, status__in=OPEN_STATUSES).first()
            if case is not None:
                now = timezone.now()
                services.record_authorisation(
                    case=case,
                    by=self.users["engineer"],
                    granted_by="沈佳（网络管理员）",
                    channel="email",
                    granted_at=now - dt.timedelta(days=1),
                    valid_until=now + dt.timedelta(days=30),
                    whole_customer=True,
                )
        if not Handover.objects.exists():
            # Asked by the manager of the receiving team: no request waits in anyone's inbox.
            coe = self.teams["三线专家中心（COE）"]
            case = open_cases.filter(team=self.teams["二线现场支持组"]).first() or open_cases.exclude(team=coe).first()
            if case is not None:
                services.request_handover(
                    case=case,
                    by=manager,
                    to_team=self.teams["三线专家中心（COE）"],
                    reason="疑似软件缺陷，需专家中心分析",
                )

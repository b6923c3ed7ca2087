"""Seed a benchmark database: master data, then cases with their timelines, in bulk.

Everything is written with `bulk_create` in batches (one transaction per batch), so 100 000
cases with about 580 000 timeline entries and 420 000 service clocks take minutes. The data
follow the shape of the real thing: a few hundred customers with skewed case volumes, a few
thousand pieces of equipment, staff in their role groups, about 10 % of the cases open (most of
them recent), severities A-D, Chinese titles and descriptions, case numbers `CSYYYYMM-NNNNNN`
in time order per month, and the monthly number counters left where the next real case
continues.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    Channel,
    EventKind,
    Kind,
    Severity,
    Status,
)
from aftersales.cases.numbering import format_case_number
from aftersales.contracts.entitlement import EntitlementKind
from aftersales.contracts.models import ChargeStandard, Coverage, ServiceContract, ServiceLevel
from aftersales.core.dates import add_months
from aftersales.customers.models import Contact, Customer, ServiceOffice, Site
from aftersales.dispatch.models import Team, Tier
from aftersales.installed_base.models import Equipment, ProductModel, Vendor

from . import vocabulary as V

BATCH = 2000
HISTORY_DAYS = 3 * 365
RECENT_DAYS = 45
OPEN_SHARE = 0.10  # of all cases
OPEN_SHARE_RECENT = 0.45  # of the cases opened in the last RECENT_DAYS days

# (role, how many, username prefix)
STAFF = [
    (Role.HOTLINE, 12, "hotline"),
    (Role.ENGINEER, 60, "eng"),
    (Role.SPECIALIST, 18, "spec"),
    (Role.EXPERT, 8, "expert"),
    (Role.PARTS_CLERK, 5, "parts"),
    (Role.DUTY_MANAGER, 4, "duty"),
    (Role.DEPT_MANAGER, 3, "dept"),
    (Role.CENTRE_MANAGER, 1, "centre"),
    (Role.EXECUTIVE, 2, "exec"),
    (Role.SALES, 4, "sales"),
    (Role.ADMIN, 1, "admin"),
]
BENCH_USER = "hotline001"

TEAMS = [
    ("一线维护一组", Tier.L1),
    ("一线维护二组", Tier.L1),
    ("一线维护三组", Tier.L1),
    ("现场支持组", Tier.L2),
    ("语音专家组", Tier.L3),
    ("数据网络专家组", Tier.L3),
    ("厂家支持", Tier.L4),
]
TEAM_ROLE = {Tier.L1: Role.ENGINEER, Tier.L2: Role.SPECIALIST, Tier.L3: Role.EXPERT, Tier.L4: Role.EXPERT}

VENDORS = {
    "华为": ["S12700", "S5735", "AR6300", "USG6600", "OceanStor 5310", "eSpace U1960"],
    "中兴通讯": ["ZXR10 9900", "ZXR10 5960", "ZXUN CSCF", "ZXMP S385"],
    "新华三": ["S10500X", "S6520X", "MSR3600", "SecPath F5000"],
    "思科": ["Catalyst 9500", "ISR 4451", "CUCM 14", "UCS C240"],
    "烽火通信": ["FONST 3000", "CiTRANS 660"],
    "爱立信": ["MINI-LINK 6352", "MX-ONE 7"],
    "浪潮": ["NF5280M6", "AS5600G5"],
}
CATEGORY_BY_HINT = [
    ("S", ProductModel.Category.SWITCH),
    ("Catalyst", ProductModel.Category.SWITCH),
    ("ZXR10 5", ProductModel.Category.SWITCH),
    ("AR", ProductModel.Category.ROUTER),
    ("ISR", ProductModel.Category.ROUTER),
    ("MSR", ProductModel.Category.ROUTER),
    ("ZXR10", ProductModel.Category.ROUTER),
    ("CUCM", ProductModel.Category.SOFTWARE),
    ("ZXUN", ProductModel.Category.SOFTWARE),
    ("eSpace", ProductModel.Category.TELEPHONY),
    ("MX-ONE", ProductModel.Category.TELEPHONY),
    ("UCS", ProductModel.Category.SERVER),
    ("NF", ProductModel.Category.SERVER),
]

SITE_NAMES = ["总部", "一号楼", "数据中心", "东区", "西区", "南区分部", "北区分部", "灾备中心", "营业部", "调度楼"]
CONTACT_TITLES = ["信息科科长", "网络管理员", "值班员", "运维主管", "IT经理", "机房管理员"]
DISTRICTS = ["人民", "解放", "中山", "建设", "长江", "和平", "新华", "友谊"]

SEVERITY_WEIGHTS = {Severity.A: 5, Severity.B: 20, Severity.C: 50, Severity.D: 25}
KIND_WEIGHTS = {
    Kind.FAULT: 70,
    Kind.RETURN: 5,
    Kind.COMPLAINT: 5,
    Kind.MAINTENANCE: 10,
    Kind.CONSULTATION: 5,
    Kind.INSPECTION: 5,
}
CHANNEL_WEIGHTS = {
    Channel.PHONE: 60,
    Channel.EMAIL: 15,
    Channel.WEB: 10,
    Channel.MONITORING: 10,
    Channel.API: 3,
    Channel.FAX: 2,
}
TIER_WEIGHTS = {Tier.L1: 75, Tier.L2: 18, Tier.L3: 6, Tier.L4: 1}
OPEN_WEIGHTS = {
    Status.NEW: 15,
    Status.ACCEPTED: 15,
    Status.IN_PROGRESS: 35,
    Status.WAITING_CUSTOMER: 10,
    Status.WAITING_VENDOR: 8,
    Status.WAITING_PARTS: 10,
    Status.SUSPENDED: 4,
    Status.REOPENED: 3,
}
# Status events after "opened", by the case's current status.
CHAINS = {
    Status.NEW: [],
    Status.ACCEPTED: [Status.ACCEPTED],
    Status.IN_PROGRESS: [Status.ACCEPTED, Status.IN_PROGRESS],
    Status.WAITING_CUSTOMER: [Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER],
    Status.WAITING_VENDOR: [Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_VENDOR],
    Status.WAITING_PARTS: [Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_PARTS],
    Status.SUSPENDED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.SUSPENDED],
    Status.RESOLVED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
    Status.REOPENED: [Status.ACCEPTED, Status.RESOLVED, Status.REOPENED],
    Status.CANCELLED: [Status.CANCELLED],
}


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Master:
    """Ids of the master data the cases refer to, grouped the way case generation needs them."""

    users_by_role: dict[Role, list[User]] = field(default_factory=dict)
    teams_by_tier: dict[str, list[Team]] = field(default_factory=dict)
    customers: list[int] = field(default_factory=list)
    customer_weights: list[float] = field(default_factory=list)
    contacts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    sites: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    # customer id -> [(equipment id, site id, serial, acceptance date, warranty months, price, hardware)]
    equipment: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    # equipment id -> (contract id, start, end)
    contract_of: dict[int, tuple[int, dt.date, dt.date]] = field(default_factory=dict)


# --- master data ------------------------------------------------------------------------


def seed_master(n_cases: int, rng: random.Random) -> Master:
    master = Master()
    n_customers = max(20, min(400, n_cases // 300))
    n_equipment = max(200, min(5000, n_cases // 25))

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    password = make_password(None)  # unusable: the benchmark logs in with force_login
    users, memberships = [], []
    for role, count, prefix in STAFF:
        for i in range(1, count + 1):
            name = rng.choice(V.SURNAMES) + "".join(rng.choices(V.GIVEN_NAMES, k=rng.choice((1, 2))))
            users.append(
                User(
                    username=f"{prefix}{i:03d}",
                    display_name=name,
                    password=password,
                    email=f"{prefix}{i:03d}@service.example.com",
                    is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN,
                )
            )
            memberships.append(role)
    User.objects.bulk_create(users)
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=u.pk, group_id=groups[r.value].pk)
            for u, r in zip(users, memberships, strict=False)
        ]
    )
    for user, role in zip(users, memberships, strict=False):
        master.users_by_role.setdefault(role, []).append(user)

    teams = Team.objects.bulk_create([Team(name=name, tier=tier) for name, tier in TEAMS])
    members = []
    for team in teams:
        master.teams_by_tier.setdefault(team.tier, []).append(team)
        for user in rng.sample(master.users_by_role[TEAM_ROLE[team.tier]], 6):
            members.append(Team.members.through(team_id=team.pk, user_id=user.pk))
    Team.members.through.objects.bulk_create(members)

    offices = ServiceOffice.objects.bulk_create(
        [
            ServiceOffice(
                name=f"{city}服务站", city=city, phone=f"0{rng.randint(10, 99)}{rng.randint(10**7, 10**8 - 1)}"
            )
            for city in V.CUSTOMER_PREFIXES
        ]
    )
    office_by_city = {o.city: o for o in offices}

    customers, seen = [], set()
    while len(customers) < n_customers:
        city = rng.choice(V.CUSTOMER_PREFIXES)
        kind, suffixes = rng.choice(V.CUSTOMER_KINDS)
        name = city + rng.choice(suffixes)
        if name in seen:
            name = f"{name}（{sum(1 for n in seen if n.startswith(name)) + 1}）"
        seen.add(name)
        customers.append(
            Customer(
                code=f"c{len(customers) + 1:04d}",
                name=name,
                short_name=name[:10],
                kind=kind,
                is_key_account=rng.random() < 0.15,
                email_domains=f"c{len(customers) + 1:04d}.example.cn",
            )
        )
    Customer.objects.bulk_create(customers)
    master.customers = [c.pk for c in customers]
    # A few big customers open most cases (Zipf-like).
    master.customer_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(customers))]
    rng.shuffle(master.customer_weights)

    sites, contacts = [], []
    for customer in customers:
        city = customer.name[:2]
        for site_name in rng.sample(SITE_NAMES, rng.randint(1, 4)):
            sites.append(
                Site(
                    customer=customer,
                    name=site_name,
                    address=f"{city}市{rng.choice(DISTRICTS)}路{rng.randint(1, 999)}号",
                    region=city,
                    service_office=office_by_city.get(city),
                )
            )
        for _ in range(rng.randint(1, 5)):
            contacts.append(
                Contact(
                    customer=customer,
                    name=rng.choice(V.SURNAMES) + "".join(rng.choices(V.GIVEN_NAMES, k=2)),
                    title=rng.choice(CONTACT_TITLES),
                    mobile=f"1{rng.choice('3589')}{rng.randint(10**8, 10**9 - 1)}",
                    phone=f"0{rng.randint(10, 99)}{rng.randint(10**7, 10**8 - 1)}",
                    email=f"it{rng.randint(1, 999)}@{customer.email_domains}",
                    is_customer_manager=rng.random() < 0.2,
                )
            )
    Site.objects.bulk_create(sites, batch_size=BATCH)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    for site in sites:
        master.sites[site.customer_id].append(site.pk)
    for contact in contacts:
        master.contacts[contact.customer_id].append(contact.pk)

    vendors = Vendor.objects.bulk_create([Vendor(name=name, tac_phone="400-800-0000") for name in VENDORS])
    models_ = []
    for vendor in vendors:
        for model_name in VENDORS[vendor.name]:
            category = next((c for hint, c in CATEGORY_BY_HINT if model_name.startswith(hint)), "other")
            models_.append(
                ProductModel(
                    vendor=vendor,
                    name=model_name,
                    category=category,
                    is_hardware=category != ProductModel.Category.SOFTWARE,
                )
            )
    ProductModel.objects.bulk_create(models_)

    today = timezone.localdate()
    equipment = []
    site_objects = defaultdict(list)
    for site in sites:
        site_objects[site.customer_id].append(site)
    for i in range(n_equipment):
        customer_id = rng.choices(master.customers, weights=master.customer_weights)[0]
        site = rng.choice(site_objects[customer_id])
        model = rng.choice(models_)
        installed = today - dt.timedelta(days=rng.randint(30, 8 * 365))
        equipment.append(
            Equipment(
                product_model=model,
                vendor_id=model.vendor_id,
                serial_number=f"{model.vendor_id:02d}{rng.choice('ABCDEFGHJK')}{i:06d}{rng.randint(0, 9999):04d}",
                hostname=f"{site.region}-{model.category}-{i:05d}".lower(),
                software_version=f"V{rng.randint(1, 9)}R{rng.randint(1, 20):03d}C{rng.randint(0, 99):02d}",
                site=site,
                customer_id=customer_id,
                install_date=installed,
                acceptance_date=installed + dt.timedelta(days=rng.randint(0, 60)),
                contract_price=Decimal(rng.randrange(20_000, 2_000_000, 100)),
            )
        )
    Equipment.objects.bulk_create(equipment, batch_size=BATCH)
    hardware = {m.pk: m.is_hardware for m in models_}
    for item in equipment:
        master.equipment[item.customer_id].append(
            (
                item.pk,
                item.site_id,
                item.serial_number,
                item.acceptance_date,
                item.warranty_months,
                item.contract_price,
                hardware[item.product_model_id],
            )
        )

    standard = ChargeStandard.objects.create(name="标准收费", hardware_repair_rate=Decimal("0.12"), is_default=True)
    ChargeStandard.objects.create(name="重点客户优惠", hardware_repair_rate=Decimal("0.08"))
    contracts, covered = [], []
    for customer in customers:
        items = master.equipment.get(customer.pk, [])
        if not items or rng.random() > 0.6:
            continue
        start = today - dt.timedelta(days=rng.randint(0, 3 * 365))
        contract = ServiceContract(
            number=f"HT{start:%Y}-{len(contracts) + 1:05d}",
            customer=customer,
            name=f"{customer.name}设备维护协议",
            coverage=rng.choice(Coverage.values),
            service_level=rng.choice(ServiceLevel.values),
            start_date=start,
            end_date=start + dt.timedelta(days=365 * rng.choice((1, 2, 3)) - 1),
            annual_fee=Decimal(rng.randrange(50_000, 3_000_000, 1000)),
            charge_standard=standard,
        )
        contracts.append(contract)
        covered.append(rng.sample(items, max(1, len(items) // 2)))
    ServiceContract.objects.bulk_create(contracts)
    links = []
    for contract, items in zip(contracts, covered, strict=False):
        for item in items:
            links.append(ServiceContract.equipment.through(servicecontract_id=contract.pk, equipment_id=item[0]))
            master.contract_of[item[0]] = (contract.pk, contract.start_date, contract.end_date)
    ServiceContract.equipment.through.objects.bulk_create(links, batch_size=BATCH)
    return master


# --- cases ------------------------------------------------------------------------------


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        device=rng.choice(V.DEVICES),
        component=rng.choice(V.COMPONENTS),
        symptom=rng.choice(V.SYMPTOMS),
        impact=rng.choice(V.IMPACTS),
        action=rng.choice(V.ACTIONS),
        change=rng.choice(V.CHANGES),
        room=rng.choice(V.ROOMS),
        hour=rng.randint(0, 23),
        minutes=rng.choice((5, 10, 20, 30, 45)),
    )


def case_text(rng: random.Random) -> tuple[str, str]:
    device, component, symptom = rng.choice(V.DEVICES), rng.choice(V.COMPONENTS), rng.choice(V.SYMPTOMS)
    title = f"{device}{component}{symptom}"
    first = f"客户反映{device}{component}{symptom}，影响{rng.choice(V.IMPACTS)}。"
    rest = [_fill(rng, t) for t in rng.sample(V.DESCRIPTION_SENTENCES[1:], rng.randint(2, 5))]
    return title, "".join([first, *rest])


def _timestamps(n: int, now: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    # Volume grows over the years: ages are skewed towards the present.
    stamps = [now - dt.timedelta(seconds=60 + HISTORY_DAYS * 86400 * rng.random() ** 1.15) for _ in range(n)]
    stamps.sort()
    return stamps


def _entitlement(master: Master, item, on: dt.date) -> tuple[str, int | None, Decimal | None]:
    """What entitlement_for would have said on the day the case was opened (simplified)."""
    if item is None:
        return EntitlementKind.UNKNOWN, None, None
    pk, _site, _serial, accepted, months, price, is_hardware = item
    contract = master.contract_of.get(pk)
    if contract is not None and contract[1] <= on <= contract[2]:
        return EntitlementKind.CONTRACT, contract[0], None
    if accepted <= on < add_months(accepted, months):
        return EntitlementKind.WARRANTY, None, None
    quote = (price * Decimal("0.12")).quantize(Decimal("0.01")) if is_hardware else None
    return EntitlementKind.CHARGEABLE, None, quote


def seed_cases(master: Master, n_cases: int, rng: random.Random, progress: Callable[[str], None]) -> tuple[int, int]:
    """Write `n_cases` cases with 3-6 timeline entries and their service clocks each; returns the
    numbers of timeline entries and of clocks written."""
    now = timezone.now()
    stamps = _timestamps(n_cases, now, rng)
    recent_from = now - dt.timedelta(days=RECENT_DAYS)
    n_recent = sum(1 for s in stamps if s >= recent_from)
    n_old = max(1, n_cases - n_recent)
    open_old = max(0.0, (OPEN_SHARE * n_cases - OPEN_SHARE_RECENT * n_recent) / n_old)

    hotline = master.users_by_role[Role.HOTLINE]
    owners = {tier: master.users_by_role[TEAM_ROLE[tier]] for tier in Tier.values}
    closers = master.users_by_role[Role.DEPT_MANAGER]
    duty = master.users_by_role[Role.DUTY_MANAGER]
    counters: Counter[str] = Counter()
    events_written = clocks_written = 0
    sla = load_sla_targets()
    started = time.monotonic()

    for offset in range(0, n_cases, BATCH):
        cases, timelines, clocks = [], [], []
        for opened in stamps[offset : offset + BATCH]:
            open_p = OPEN_SHARE_RECENT if opened >= recent_from else open_old
            roll = rng.random()
            if roll < open_p:
                status = pick(rng, OPEN_WEIGHTS)
            elif roll < open_p + (0.12 if opened >= recent_from else 0.01):
                status = Status.RESOLVED
            elif rng.random() < 0.05:
                status = Status.CANCELLED
            else:
                status = Status.CLOSED
            customer_id = rng.choices(master.customers, weights=master.customer_weights)[0]
            items = master.equipment.get(customer_id) or []
            item = rng.choice(items) if items and rng.random() < 0.85 else None
            contacts = master.contacts.get(customer_id) or []
            period = timezone.localtime(opened).strftime("%Y%m")
            counters[period] += 1
            title, description = case_text(rng)
            number = format_case_number(period, counters[period])
            serial = item[2] if item else ""
            tier = pick(rng, TIER_WEIGHTS)
            assigned = status not in (Status.NEW, Status.CANCELLED)
            owner = rng.choice(owners[tier]) if assigned else None
            team = rng.choice(master.teams_by_tier[tier]) if assigned else None
            entitlement, contract_id, quote = _entitlement(master, item, timezone.localdate(opened))
            case = Case(
                number=number,
                customer_id=customer_id,
                contact_id=rng.choice(contacts) if contacts and rng.random() < 0.9 else None,
                site_id=item[1] if item else (rng.choice(master.sites[customer_id]) if rng.random() < 0.5 else None),
                equipment_id=item[0] if item else None,
                kind=pick(rng, KIND_WEIGHTS),
                severity=pick(rng, SEVERITY_WEIGHTS),
                channel=pick(rng, CHANNEL_WEIGHTS),
                status=status,
                title=title,
                description=description,
                tier=tier,
                owner=owner,
                team=team,
                taken_by=rng.choice(hotline),
                entitlement=entitlement,
                contract_id=contract_id,
                repair_quote=quote,
                opened_at=opened,
                # As Case.build_search_text does it.
                search_text=" ".join([number, title, description, serial]).lower(),
            )
            timeline = _timeline(rng, case, now, duty, closers)
            timelines.append(timeline)
            clocks.append(_clocks(rng, case, sla, now, timeline[-1].at) if sla else [])
            cases.append(case)
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=1000)
            events = []
            for case, timeline in zip(cases, timelines, strict=False):
                for event in timeline:
                    event.case_id = case.pk
                    events.append(event)
            CaseEvent.objects.bulk_create(events, batch_size=2000)
            if sla:
                rows = []
                for case, case_clocks in zip(cases, clocks, strict=True):
                    for clock in case_clocks:
                        clock.case_id = case.pk
                        rows.append(clock)
                sla.model.objects.bulk_create(rows, batch_size=2000)
                clocks_written += len(rows)
        events_written += len(events)
        done = min(offset + BATCH, n_cases)
        if done % 10_000 == 0 or done == n_cases:
            rate = done / max(time.monotonic() - started, 1e-9)
            progress(
                f"  {done:>7} cases, {events_written:>7} timeline entries, {clocks_written:>7} clocks ({rate:.0f} cases/s)"
            )

    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(period=period, last=last) for period, last in counters.items()],
        update_conflicts=True,
        unique_fields=["period"],
        update_fields=["last"],
    )
    return events_written, clocks_written


def _timeline(rng: random.Random, case: Case, now: dt.datetime, duty, closers) -> list[CaseEvent]:
    """The case's timeline, oldest first; also sets accepted_at / resolved_at / closed_at."""
    chain = CHAINS[case.status]
    steps: list[tuple] = [("created",)]
    if case.owner is not None:
        steps.append(("assigned",))
    steps.extend(("status", s) for s in chain)
    target = max(len(steps), rng.randint(3, 6))
    finished = case.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)
    for _ in range(target - len(steps)):
        # Notes and replies go after "opened" and before a final resolve/close/cancel.
        last = len(steps) - 1 if finished and len(steps) > 1 else len(steps)
        steps.insert(rng.randint(1, max(1, last)), ("reply",) if rng.random() < 0.35 else ("note",))

    # Spread the entries over the case's life: hours to days, never beyond now.
    span_hours = rng.lognormvariate(2.5, 1.2) if finished else rng.lognormvariate(3.0, 1.0)
    end = min(case.opened_at + dt.timedelta(hours=min(span_hours, 24 * 60)), now)
    total = max((end - case.opened_at).total_seconds(), len(steps) * 60)
    marks = sorted(rng.random() for _ in range(len(steps) - 1))
    times = [case.opened_at] + [case.opened_at + dt.timedelta(seconds=60 + m * total) for m in marks]

    events, previous = [], Status.NEW
    worker = case.owner or case.taken_by
    for step, at in zip(steps, times, strict=False):
        kind = step[0]
        if kind == "created":
            event = CaseEvent(
                at=at,
                actor=case.taken_by,
                kind=EventKind.CREATED,
                is_public=True,
                to_status=Status.NEW,
                text=case.description,
            )
        elif kind == "assigned":
            event = CaseEvent(
                at=at,
                actor=rng.choice(duty),
                kind=EventKind.ASSIGNED,
                changes={"owner": [None, case.owner_id], "team": [None, case.team_id]},
            )
        elif kind == "status":
            to = step[1]
            actor = rng.choice(closers) if to == Status.CLOSED else worker
            text = ""
            if to == Status.RESOLVED:
                text = _fill(rng, rng.choice(V.RESOLUTIONS))
                case.resolved_at = at
            elif to == Status.CANCELLED:
                text, actor = rng.choice(V.CANCEL_REASONS), case.taken_by
            elif to in (Status.WAITING_CUSTOMER, Status.WAITING_VENDOR, Status.WAITING_PARTS, Status.SUSPENDED):
                text = _fill(rng, rng.choice(V.NOTES))
            elif to == Status.ACCEPTED:
                case.accepted_at = at
            elif to == Status.CLOSED:
                case.closed_at = at
            elif to == Status.REOPENED:
                case.resolved_at = None
                text = "客户反馈问题再次出现。"
            public = to in (Status.RESOLVED, Status.CLOSED, Status.REOPENED, Status.CANCELLED)
            event = CaseEvent(
                at=at,
                actor=actor,
                kind=EventKind.STATUS,
                is_public=public,
                from_status=previous,
                to_status=to,
                text=text,
            )
            previous = to
        elif kind == "reply":
            event = CaseEvent(
                at=at, actor=worker, kind=EventKind.REPLY, is_public=True, text=_fill(rng, rng.choice(V.REPLIES))
            )
        else:
            event = CaseEvent(at=at, actor=worker, kind=EventKind.NOTE, text=_fill(rng, rng.choice(V.NOTES)))
        events.append(event)
    return events


# --- service clocks ---------------------------------------------------------------------

# Wall-clock minutes per business minute, roughly: the seeded due times are not computed on
# the business calendars (that is the intake's job, measured separately), only placed plausibly.
WALL_FACTOR = {"7x24": 1.0, "5x24": 7 / 5, "5x8": 7 / 5 * 24 / 8}
HAS_NEXT_DUE = any(f.name == "next_due_at" for f in Case._meta.get_fields())


@dataclass
class SlaTargets:
    model: type
    # severity -> [(clock kind, target minutes, calendar id, wall factor)]
    by_severity: dict[str, list[tuple[str, int, int, float]]]


def load_sla_targets() -> SlaTargets | None:
    """The targets that start a clock when a case is opened, if the SLA module is installed."""
    try:
        from aftersales.sla.models import Clock, ClockStart, ServiceTarget
    except ImportError:
        return None
    by_severity: dict[str, list] = defaultdict(list)
    for target in ServiceTarget.objects.filter(starts=ClockStart.OPENING).select_related("calendar"):
        factor = WALL_FACTOR.get(target.calendar.code, 1.0)
        by_severity[target.severity].append((target.clock, target.minutes, target.calendar_id, factor))
    return SlaTargets(Clock, by_severity) if by_severity else None


def _clocks(rng: random.Random, case: Case, sla: SlaTargets, now: dt.datetime, last_at: dt.datetime) -> list:
    """The case's opening clocks: met (some late), stopped, running or paused; sets next_due_at."""
    finished = case.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)
    end = case.resolved_at or case.closed_at or last_at
    opened = case.opened_at
    clocks, running_due = [], []
    for kind, minutes, calendar_id, factor in sla.by_severity.get(case.severity, []):
        due = opened + dt.timedelta(minutes=minutes * factor)
        clock = sla.model(kind=kind, target_minutes=minutes, calendar_id=calendar_id, started_at=opened, due_at=due)
        if kind == "sign_off" and case.accepted_at is not None:
            clock.met_at = case.accepted_at
        elif finished:
            if kind == "sign_off" or rng.random() < 0.15:
                clock.stopped_at = end
            else:
                clock.met_at = min(end, opened + (due - opened) * rng.uniform(0.2, 1.5))
        elif rng.random() < 0.4:
            clock.met_at = opened + (min(due, now) - opened) * rng.uniform(0.2, 1.0)
        elif case.status == Status.SUSPENDED:
            clock.paused_at = last_at
        else:
            running_due.append(due)
        late = clock.met_at > due if clock.met_at else (clock.stopped_at is None and due < now)
        if late:
            clock.breached_at = due
        clocks.append(clock)
    if HAS_NEXT_DUE:
        case.next_due_at = min(running_due) if running_due else None
    return clocks


def drop_secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """Drop the plain (non-unique, non-constraint) indexes of `tables`; returns their definitions.

    Filling a table and then building its indexes is much faster than maintaining them row by
    row, above all the trigram GIN index on the case search text.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary AND NOT x.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """,
            [tables],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    return definitions


def create_indexes(definitions: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        for _name, definition in definitions:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")


def vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def seed(n_cases: int, *, rng_seed: int, progress: Callable[[str], None]) -> dict:
    """Seed everything; returns what was written and how long each part took."""
    rng = random.Random(rng_seed)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    t0 = time.monotonic()
    with transaction.atomic():
        master = seed_master(n_cases, rng)
    t1 = time.monotonic()
    progress(
        f"  master data: {len(master.customers)} customers, "
        f"{sum(len(v) for v in master.equipment.values())} equipment, "
        f"{sum(len(v) for v in master.users_by_role.values())} staff ({t1 - t0:.1f} s)"
    )
    indexes = drop_secondary_indexes(["cases_case", "timeline_entry", "sla_clock"])
    events, clocks = seed_cases(master, n_cases, rng, progress)
    t2 = time.monotonic()
    progress(f"  building {len(indexes)} indexes: {', '.join(name for name, _ in indexes)} ...")
    create_indexes(indexes)
    t_indexes = time.monotonic()
    progress("  VACUUM ANALYZE ...")
    vacuum_analyze()
    t3 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO on")
    return {
        "cases": n_cases,
        "events": events,
        "clocks": clocks,
        "seed": rng_seed,
        "master_s": round(t1 - t0, 1),
        "cases_s": round(t2 - t1, 1),
        "indexes_s": round(t_indexes - t2, 1),
        "vacuum_s": round(t3 - t_indexes, 1),
        "total_s": round(t3 - t0, 1),
    }

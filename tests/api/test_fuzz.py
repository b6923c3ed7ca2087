"""Property-based fuzzing of the REST API from its own OpenAPI schema (Schemathesis).

Every operation in /api/schema/ gets a bounded number of generated requests, valid and
invalid, sent to the real Django application (in-process, through its WSGI handler, inside
the test's transaction), once with a staff user's read-write token and once with a customer
contact's token. Each response must be no server error, have a status code and a content
type the schema documents, and a body (and headers) matching the schema.

Path parameters and body references are real ids and case numbers part of the time, so that
requests reach real objects (and another customer's), not only 404s. Integers in query
parameters and bodies are, part of the time, past any database's range (2^31, 2^63, 10^20, and
as much below zero), and date-times and dates include year 1 and year 9999, with and without an
offset: the values that overflow a conversion to UTC or a database integer.

`FUZZ_EXAMPLES` sets the examples per operation and phase (default 25), `FUZZ_BUDGET` the
seconds of requests per operation and user (default 10), `FUZZ_SEED` the seed. Generation is
derandomised, so the same code sends the same requests. `make fuzz` runs only this file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.cases import services
from aftersales.cases.models import Case
from aftersales.contracts.models import ServiceContract
from tests.api.parts_routes import fuzz_parts
from tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    EquipmentFactory,
    ProductModelFactory,
    SiteFactory,
)

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Seconds of requests per operation and user; past it the operation's remaining examples are
# generated but not sent (the summary counts them), so a slow machine gets a shorter run, not a
# failure. Unloaded, no operation comes near it.
BUDGET = float(os.environ.get("FUZZ_BUDGET", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
# A Monday morning in business hours, so the service clocks run the same way on every run.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]

CONFIG = {
    "seed": SEED,
    "suppress-health-check": ["all"],
    "generation": {
        "mode": "all",  # valid and invalid requests
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "no-shrink": False,
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
}


@dataclass
class World:
    """The demo-like data the requests are aimed at, and who sends them."""

    persona: str = ""
    key: str = ""
    deadlines: dict[str, float] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=list)


def _build_world(make_user, persona: str) -> World:
    # Also an administrator, so that the master-data writes are fuzzed as well as refused.
    manager = make_user(Role.DEPT_MANAGER, Role.ADMIN, username="manager")
    agent = make_user(Role.HOTLINE, username="agent")
    customers, contacts, sites, equipment, cases = [], [], [], [], []
    for code, name in (("hospital-a", "上海第一人民医院"), ("bank-b", "浦东发展银行")):
        customer = CustomerFactory(code=code, name=name)
        site = SiteFactory(customer=customer)
        piece = EquipmentFactory(site=site, customer=customer, product_model=ProductModelFactory())
        user = make_user(Role.CUSTOMER, username=f"contact-{code}")
        contact = ContactFactory(customer=customer, user=user, email=f"{code}@example.com")
        ContractFactory(customer=customer).equipment.add(piece)
        customers.append(customer)
        contacts.append(contact)
        sites.append(site)
        equipment.append(piece)
        for severity, title in (("A", "核心交换机宕机"), ("C", "分机无法呼出")):
            cases.append(
                services.open_case(
                    customer=customer,
                    by=agent,
                    title=title,
                    description="客户来电：所有分机无法拨打外线。",
                    kind="fault",
                    severity=severity,
                    channel="phone",
                    equipment=piece,
                    contact=contact,
                )
            )
    # A few statuses, so that workflow actions meet cases they fit and cases they don't.
    services.transition(case=cases[0], action="accept", by=manager, text="")
    services.transition(case=cases[2], action="accept", by=manager, text="")
    services.transition(case=cases[2], action="start", by=manager, text="")
    services.add_comment(case=cases[0], by=manager, text="内部备注", public=False)
    services.add_comment(case=cases[0], by=manager, text="工程师明早上门", public=True)

    world_parts = fuzz_parts(
        manager=manager,
        agent=agent,
        cases=cases,
        sites=sites,
        open_case=lambda piece: services.open_case(
            customer=piece.customer,
            by=agent,
            title="过保设备维修",
            description="硬件故障",
            kind="fault",
            severity="C",
            channel="phone",
            equipment=piece,
        ),
    )

    owner = manager if persona == "staff" else contacts[0].user
    scope = ApiToken.Scope.READ_WRITE
    world = World(persona=persona, key=create_token(user=owner, name="fuzz", scope=scope).key)
    world.ids = {
        "customers": [c.pk for c in customers],
        "contacts": [c.pk for c in contacts],
        "sites": [s.pk for s in sites],
        "equipment": [e.pk for e in equipment],
        "product-models": sorted({e.product_model_id for e in equipment}),
        "contracts": list(ServiceContract.objects.order_by("pk").values_list("pk", flat=True)),
    } | world_parts
    world.numbers = list(Case.objects.order_by("pk").values_list("number", flat=True))
    return world


def _aim_at_real_objects(schema, world: World) -> None:
    """About half the time, a path parameter or a reference in a body names a real row."""

    @schema.hook
    def flatmap_path_parameters(context, parameters):
        path = context.operation.path
        if "{number}" in path:
            real = st.sampled_from(world.numbers).map(lambda n: {**parameters, "number": n})
        else:
            resource = path.removeprefix("/api/v1/").split("/", 1)[0]
            if "{id}" not in path or resource not in world.ids:
                return st.just(parameters)
            real = st.sampled_from(world.ids[resource]).map(lambda i: {**parameters, "id": i})
        return st.one_of(st.just(parameters), real)

    references = {
        "customer": "customers",
        "contact": "contacts",
        "site": "sites",
        "equipment": "equipment",
        "warehouse": "warehouses",
        "part": "parts",
        "part_request": "part-requests",
    }

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict):
            return st.just(body)
        real = {name: st.sampled_from(world.ids[kind]) for name, kind in references.items() if name in body}
        if "merge_into" in body:
            real["merge_into"] = st.sampled_from(world.numbers)
        # Or one integer out of range.
        hostile = _one_past_the_range(body)
        if not real:
            return hostile
        return st.one_of(hostile, st.fixed_dictionaries(real).map(lambda ids: {**body, **ids}))


# Past the ends of 32- and 64-bit integer columns, and far past both.
HUGE_INTEGERS = [2**31, 2**63 - 1, 2**63, 10**20, -(2**31) - 1, -(2**63) - 1, -(10**20)]
# Without an offset the server's zone (Asia/Shanghai) applies: year 1 before 08:06 is year 0 in UTC.
EXTREME_MOMENTS = [
    "0001-01-01T00:00:00",
    "0001-01-01T03:00:00",
    "0001-01-01T08:00:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T07:59:59+08:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-12:00",
]
EXTREME_DATES = ["0001-01-01", "9999-12-31"]


def _ordinary_moments():
    offsets = st.sampled_from(["Z", "+08:00", "-05:00", ""])
    moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))
    return st.tuples(moments, offsets).map(lambda pair: pair[0].isoformat() + pair[1])


# Every date-time and date the schema asks for is, part of the time, one at the ends of time.
schemathesis.openapi.format("date-time", st.one_of(_ordinary_moments(), st.sampled_from(EXTREME_MOMENTS)))
schemathesis.openapi.format("date", st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(EXTREME_DATES)))


MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _past_the_range(value):
    """The values past the range of `value`'s kind (an integer, the digits of one in a query,
    a date-time), or None for other values."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return [str(number) for number in HUGE_INTEGERS]
    if isinstance(value, int) and not isinstance(value, bool):
        return HUGE_INTEGERS
    if isinstance(value, str) and MOMENT.match(value):
        # Mostly the ones without an offset: the server's zone applies, the least checked case.
        return [*EXTREME_MOMENTS, *(moment for moment in EXTREME_MOMENTS if not OFFSET.search(moment))]
    return None


def _one_past_the_range(values: dict, *, alone: bool = False):
    """`values` as generated, or (half the time) with one of its integers or date-times out of
    range and the others as they were, valid or not. With `alone` (optional query parameters)
    that one is sent by itself, so that no other invalid parameter is refused first and the
    request gets as far as the database."""
    choices = {name: past for name, value in values.items() if (past := _past_the_range(value))}
    if not choices:
        return st.just(values)

    def hostile(name):
        return st.sampled_from(choices[name]).map(lambda past: {name: past} if alone else {**values, name: past})

    return st.one_of(st.just(values), st.sampled_from(sorted(choices)).flatmap(hostile))


def _go_past_the_ranges(schema) -> None:
    """Integers in query parameters are, part of the time, out of range (bodies: see
    `flatmap_body` in `_aim_at_real_objects`)."""

    @schema.hook
    def flatmap_query(context, query):
        return _one_past_the_range(query, alone=True) if query else st.just(query)


@pytest.fixture(params=["staff", "customer"])
def fuzz_world(request, make_user, time_machine, settings):
    # An exception in a view fails the example with its traceback, not only an HTML 500 page.
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    # Thousands of requests in a minute: the rate limits (tests/api/test_limits.py) would answer
    # most of them with 429 and the endpoints behind them would go untested.
    settings.API_RATE_PER_TOKEN = "off"
    settings.API_RATE_PER_ADDRESS = "off"
    time_machine.move_to(NOW, tick=True)
    return _build_world(make_user, request.param)


@pytest.fixture
def _keep_the_test_transaction():
    """As Django's test client does: a request must not close the database connection, which
    would end the test's transaction (on PostgreSQL; SQLite's in-memory database stays open)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(fuzz_world, _keep_the_test_transaction):
    config = schemathesis.Config.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), config=config, headers={"Accept": "application/json"}
    )
    _aim_at_real_objects(schema, fuzz_world)
    _go_past_the_ranges(schema)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_answers_every_generated_request_as_its_schema_says(case, fuzz_world, fuzz_tally):
    now = time.perf_counter()  # not moved by time-machine
    if now > fuzz_world.deadlines.setdefault(case.operation.label, now + BUDGET):
        fuzz_tally.add(fuzz_world.persona, case.operation.label, None)
        return
    response = case.call_and_validate(headers={"Authorization": f"Token {fuzz_world.key}"})
    fuzz_tally.add(fuzz_world.persona, case.operation.label, response.status_code)

"""Every route of the API router, for every role, pointed at customer B's records.

The table must name every route the router has, so a new endpoint is noticed here. Customer A's
contact gets 404 for B's case (detail, actions, comments) and for B's master data, exactly as
for something that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.api.urls import router
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent, Channel, Consultation
from aftersales.contracts.models import ServiceContract
from aftersales.customers.models import Contact, Customer, Site
from aftersales.dispatch.models import Team
from aftersales.documents.models import Document
from aftersales.installed_base.models import Equipment, ProductModel
from aftersales.sla.models import SuspensionRequest
from tests.api.parts_routes import PartsWorld, parts_probes
from tests.factories import ContractFactory

MASTER_DATA = [Customer, Contact, Site, ProductModel, Equipment, ServiceContract]

ROUTE_NAMES = {url.name for url in router.urls}
ROLES = ["agent", "engineer", "manager", "executive", "sales", "contact_a", None]
STAFF = ["agent", "engineer", "manager", "executive", "sales"]


def expect(staff: int, contact: int, anonymous: int = 401, **by_role: int) -> dict:
    table = dict.fromkeys(STAFF, staff) | {"contact_a": contact, None: anonymous}
    return table | by_role


@dataclass(frozen=True)
class Probe:
    route: str
    method: str
    path: str  # formatted with the world's attributes
    expected: dict
    body: dict | None = None
    format: str = "json"


def _log_file():
    return SimpleUploadedFile("中继日志.txt", "中继 3 告警".encode())


CONSENT = {"reason": "客户机房停电", "consent_by": "王主任", "consent_channel": "phone"}

PROBES = [
    Probe("api-root", "get", "/api/v1/", expect(200, 200)),
    Probe("customer-list", "get", "/api/v1/customers/", expect(200, 200)),
    Probe("customer-detail", "get", "/api/v1/customers/{customer_b.pk}/", expect(200, 404)),
    Probe("contact-list", "get", "/api/v1/contacts/", expect(200, 200)),
    Probe("contact-detail", "get", "/api/v1/contacts/{contact_b.pk}/", expect(200, 404)),
    Probe("site-list", "get", "/api/v1/sites/", expect(200, 200)),
    Probe("site-detail", "get", "/api/v1/sites/{site_b.pk}/", expect(200, 404)),
    Probe("product-model-list", "get", "/api/v1/product-models/", expect(200, 200)),
    Probe("product-model-detail", "get", "/api/v1/product-models/{product_model_b.pk}/", expect(200, 200)),
    Probe("equipment-list", "get", "/api/v1/equipment/", expect(200, 200)),
    Probe("equipment-detail", "get", "/api/v1/equipment/{equipment_b.pk}/", expect(200, 404)),
    Probe("contract-list", "get", "/api/v1/contracts/", expect(200, 200)),
    Probe("contract-detail", "get", "/api/v1/contracts/{contract_b.pk}/", expect(200, 404)),
    Probe("report-kpis", "get", "/api/v1/reports/kpis/", expect(404, 404, manager=200, executive=200)),
    # Master data: administrators write (tests/api/test_master_data_writes.py); every persona
    # here is refused, and a contact does not even find another customer's rows.
    Probe("customer-list", "post", "/api/v1/customers/", expect(422, 422), body={"code": "new", "name": "新客户"}),
    Probe("customer-detail", "patch", "/api/v1/customers/{customer_b.pk}/", expect(422, 404), body={"name": "改名"}),
    Probe(
        "contact-list",
        "post",
        "/api/v1/contacts/",
        expect(422, 422),
        body={"customer": "{customer_b.pk}", "name": "新人"},
    ),
    Probe("contact-detail", "patch", "/api/v1/contacts/{contact_b.pk}/", expect(422, 404), body={"name": "改名"}),
    Probe(
        "site-list",
        "post",
        "/api/v1/sites/",
        expect(422, 422),
        body={"customer": "{customer_b.pk}", "name": "新机房", "address": "上海", "region": "上海"},
    ),
    Probe("site-detail", "patch", "/api/v1/sites/{site_b.pk}/", expect(422, 404), body={"name": "改名"}),
    Probe(
        "product-model-list",
        "post",
        "/api/v1/product-models/",
        expect(422, 422),
        body={"vendor": "{product_model_b.vendor.name}", "name": "新型号", "category": "{product_model_b.category}"},
    ),
    Probe(
        "product-model-detail",
        "patch",
        "/api/v1/product-models/{product_model_b.pk}/",
        expect(422, 422),
        body={"name": "改名"},
    ),
    Probe(
        "equipment-list",
        "post",
        "/api/v1/equipment/",
        expect(422, 422),
        body={"site": "{site_b.pk}", "product_model": "{product_model_b.pk}", "serial_number": "NEW0001"},
    ),
    Probe("equipment-detail", "patch", "/api/v1/equipment/{equipment_b.pk}/", expect(422, 404), body={"hostname": "x"}),
    Probe(
        "contract-list",
        "post",
        "/api/v1/contracts/",
        expect(422, 422),
        body={
            "number": "WH-NEW",
            "customer": "{customer_b.pk}",
            "name": "新合同",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
    ),
    Probe("contract-detail", "patch", "/api/v1/contracts/{contract_b.pk}/", expect(422, 404), body={"name": "改名"}),
    Probe("case-list", "get", "/api/v1/cases/?status=all", expect(200, 200)),
    Probe(
        "case-list",
        "post",
        "/api/v1/cases/",
        expect(201, 422, sales=422),
        body={"customer": "{customer_b.pk}", "title": "API 报障", "description": "全部中继掉线", "severity": "B"},
    ),
    Probe("case-detail", "get", "/api/v1/cases/{case_b.number}/", expect(200, 404)),
    Probe(
        "case-detail", "patch", "/api/v1/cases/{case_b.number}/", expect(200, 404, sales=422), body={"title": "新标题"}
    ),
    # Accepting is for engineers and managers; the others are refused by the workflow (422).
    Probe(
        "case-action",
        "post",
        "/api/v1/cases/{case_b.number}/actions/accept/",
        expect(422, 404, engineer=200, manager=200),
        body={},
    ),
    Probe(
        "case-comments",
        "post",
        "/api/v1/cases/{case_b.number}/comments/",
        expect(201, 404, sales=422),
        body={"text": "已联系客户", "public": True},
    ),
    # Only a monitoring source's integration user posts alarms (tests/monitoring); every persona
    # here is refused before the body is read.
    Probe(
        "alarm-list",
        "post",
        "/api/v1/alarms/",
        expect(403, 403),
        body={
            "serial_number": "{equipment_b.serial_number}",
            "alarm_id": "1",
            "text": "告警",
            "raised_at": "2026-11-22T09:00:00+08:00",
        },
    ),
    Probe("case-attachments", "get", "/api/v1/cases/{case_b.number}/attachments/", expect(200, 404)),
    Probe(
        "case-attachments",
        "post",
        "/api/v1/cases/{case_b.number}/attachments/",
        expect(201, 404, sales=422),
        body={"files": _log_file, "public": "true"},
        format="multipart",
    ),
    Probe(
        "case-attachment",
        "get",
        "/api/v1/cases/{case_b.number}/attachments/{attachment_b.pk}/",
        expect(200, 404),
    ),
    Probe(
        "case-assign",
        "post",
        "/api/v1/cases/{case_b.number}/assign/",
        expect(200, 404, sales=422),
        body={"team": "{team.name}", "tier": "L2"},
    ),
    Probe(
        "case-severity",
        "post",
        "/api/v1/cases/{case_b.number}/severity/",
        expect(200, 404, sales=422),
        body={"severity": "A", "reason": "全行营业厅受影响"},
    ),
    Probe(
        "case-acts",
        "post",
        "/api/v1/cases/{case_b.number}/acts/",
        expect(201, 404, sales=422),
        body={"act": "contacted", "text": "已电话联系"},
    ),
    Probe(
        "case-suspension-requests",
        "get",
        "/api/v1/cases/{case_b_pending.number}/suspension-requests/",
        expect(200, 404),
    ),
    # Engineers and managers ask (HANDLERS); the hotline, executives and sales are refused.
    Probe(
        "case-suspension-requests",
        "post",
        "/api/v1/cases/{case_b_working.number}/suspension-requests/",
        expect(422, 404, engineer=201, manager=201),
        body=CONSENT | {"consent_at": "{consented_at}", "expected_end_at": "{expected_end_at}"},
    ),
    # Duty managers and above decide.
    Probe(
        "case-suspension-decision",
        "post",
        "/api/v1/cases/{case_b_pending.number}/suspension-requests/{suspension_b.pk}/decision/",
        expect(422, 404, manager=200),
        body={"decision": "approve", "note": "同意"},
    ),
    # The case summary (PDF): anyone who sees the case may print it; the worker renders it.
    Probe("case-documents", "get", "/api/v1/cases/{case_b.number}/documents/", expect(200, 404)),
    Probe("case-documents", "post", "/api/v1/cases/{case_b.number}/documents/", expect(202, 404), body={}),
    Probe("case-document", "get", "/api/v1/cases/{case_b.number}/documents/{document_b.pk}/", expect(200, 404)),
    # Consultations are staff-only: a customer's contact lists nothing and finds nothing.
    Probe("consultation-list", "get", "/api/v1/consultations/", expect(200, 200)),
    Probe(
        "consultation-list",
        "post",
        "/api/v1/consultations/",
        expect(201, 422, sales=422),
        body={"customer": "{customer_b.pk}", "question": "如何重置话机密码", "answer": "长按 * 键 5 秒"},
    ),
    Probe("consultation-detail", "get", "/api/v1/consultations/{consultation_b.pk}/", expect(200, 404)),
    # On-site visits: engineers and managers dispatch; only the visit's engineers record it.
    Probe("visit-list", "get", "/api/v1/visits/", expect(200, 200)),
    Probe(
        "visit-list",
        "post",
        "/api/v1/visits/",
        expect(422, 422, engineer=201, manager=201),
        body={"case": "{case_b.number}", "engineers": ["engineer"], "planned_departure_at": "{now}"},
    ),
    Probe("visit-detail", "get", "/api/v1/visits/{visit_b.pk}/", expect(200, 404)),
    Probe(
        "visit-action", "post", "/api/v1/visits/{visit_b.pk}/actions/depart/", expect(422, 404, engineer=200), body={}
    ),
    Probe("visit-reports", "get", "/api/v1/visits/{visit_b.pk}/reports/", expect(200, 404)),
    Probe(
        "visit-reports",
        "post",
        "/api/v1/visits/{visit_b_completed.pk}/reports/",
        expect(422, 404, engineer=201),
        body={
            "idempotency_key": "8a3c2f8e-7b7e-4f0e-9d7c-2b1f0a9e6c11",
            "kind": "repair",
            "work_done": "更换电源模块",
            "started_at": "{an_hour_ago}",
            "finished_at": "{now}",
            "materials": [{"name": "电源模块", "quantity": 1}],
            "test_result": "passed",
            "open_points": ["UPS 电池老化"],
            "customer_signer": "王主任",
            "customer_signature": "{signature}",
            "engineer_signature": "{signature}",
        },
    ),
    Probe("service-report-list", "get", "/api/v1/service-reports/", expect(200, 200)),
    Probe("service-report-detail", "get", "/api/v1/service-reports/{report_b.pk}/", expect(200, 404)),
    Probe(
        "service-report-document",
        "get",
        "/api/v1/service-reports/{report_b.pk}/documents/{report_document_b.pk}/",
        expect(200, 404),
    ),
    # The roster is staff's: a contact lists nothing; managers plan and swap (422 for the others).
    Probe("shift-list", "get", "/api/v1/shifts/", expect(200, 200)),
    Probe(
        "shift-list",
        "post",
        "/api/v1/shifts/",
        expect(422, 422, manager=201),
        body={
            "team": "{team.pk}",
            "kind": "night",
            "starts_at": "2030-10-14T17:30:00+08:00",
            "ends_at": "2030-10-15T08:30:00+08:00",
            "duty_engineer": "{engineer_name}",
            "duty_manager": "manager",
        },
    ),
    Probe("shift-detail", "get", "/api/v1/shifts/{shift.pk}/", expect(200, 404)),
    Probe(
        "shift-swap",
        "post",
        "/api/v1/shifts/{shift.pk}/swap/",
        expect(422, 404, manager=201),
        body={"duty": "engineer", "to_user": "{relief_name}", "reason": "调班"},
    ),
    # Vendor cases of the cases one sees; engineers and managers record them.
    Probe("vendor-case-list", "get", "/api/v1/vendor-cases/", expect(200, 200)),
    Probe(
        "vendor-case-list",
        "post",
        "/api/v1/vendor-cases/",
        expect(422, 422, engineer=201, manager=201),
        body={"case": "{case_b.number}", "kind": "third_party", "party": "电信", "number": "DX-0001"},
    ),
    Probe("vendor-case-detail", "get", "/api/v1/vendor-cases/{vendor_case_b.pk}/", expect(200, 404)),
    Probe(
        "vendor-case-updates",
        "post",
        "/api/v1/vendor-cases/{vendor_case_b.pk}/updates/",
        expect(422, 404, engineer=201, manager=201),
        body={"text": "厂家已回复"},
    ),
    # Handovers: engineers, managers and the hotline ask; the receiving team or a manager decides.
    Probe("handover-list", "get", "/api/v1/handovers/", expect(200, 200)),
    Probe(
        "handover-list",
        "post",
        "/api/v1/handovers/",
        expect(201, 422, executive=422, sales=422),
        body={"case": "{case_b.number}", "to_team": "{team.name}", "reason": "应用软件问题"},
    ),
    Probe("handover-detail", "get", "/api/v1/handovers/{handover_b.pk}/", expect(200, 404)),
    Probe(
        "handover-decision",
        "post",
        "/api/v1/handovers/{handover_b.pk}/decision/",
        expect(422, 404, manager=200),
        body={"decision": "refuse", "note": "不属于本部门"},
    ),
]

PROBES += parts_probes(Probe, expect)


def test_the_table_names_every_route_of_the_router():
    assert {probe.route for probe in PROBES} == ROUTE_NAMES


class World(PartsWorld):
    """Customer B's records. What only some probes need is made when a probe first names it."""

    def __init__(self, request, **records):
        self._request = request
        self.__dict__.update(records)

    def _fixture(self, name):
        return self._request.getfixturevalue(name)

    @cached_property
    def _engineer(self):
        return self._fixture("make_user")(Role.ENGINEER, username="world-engineer")

    def _accepted_case(self, title: str) -> Case:
        case = self._fixture("open_case")(self.customer_b, title=title)
        return services.transition(case=case, action="accept", by=self._engineer)

    @cached_property
    def case_b_working(self) -> Case:
        return self._accepted_case("网银前置机告警")

    @cached_property
    def case_b_pending(self) -> Case:
        return self._accepted_case("营业厅网络中断")

    @cached_property
    def suspension_b(self):
        return services.request_suspension(
            case=self.case_b_pending,
            by=self._engineer,
            consent_at=timezone.now(),
            expected_end_at=timezone.now() + dt.timedelta(days=2),
            **CONSENT,
        )

    @cached_property
    def attachment_b(self):
        reply = services.add_comment(
            case=self.case_b, by=self._fixture("agent"), text="截图", public=True, attachments=[_log_file()]
        )
        return reply.attachments.get()

    @cached_property
    def document_b(self):
        from aftersales.cases.documents import request_case_summary
        from aftersales.documents.services import render_document

        return render_document(request_case_summary(case=self.case_b, by=self._fixture("contact_b")).pk)

    @cached_property
    def consultation_b(self):
        return services.log_consultation(
            customer=self.customer_b,
            by=self._fixture("agent"),
            question="如何导出话单",
            answer="在管理页导出",
            channel=Channel.PHONE,
        )

    def _visit(self, *, completed: bool):
        from aftersales.field import services as field

        engineer = self._fixture("engineer")
        visit = field.dispatch_visit(
            case=self.case_b, by=self._fixture("manager"), engineers=[engineer], planned_departure_at=timezone.now()
        )
        if completed:
            visit = field.move_visit(visit=visit, action="arrive", by=engineer)
            visit = field.move_visit(visit=visit, action="confirm_symptom", by=engineer, confirmed_by="王主任")
            visit = field.move_visit(visit=visit, action="complete", by=engineer, text="更换电源模块")
        return visit

    @cached_property
    def visit_b(self):
        return self._visit(completed=False)

    @cached_property
    def visit_b_completed(self):
        return self._visit(completed=True)

    @cached_property
    def report_b(self):
        import uuid

        from aftersales.field import services as field
        from tests.field.conftest import signature_png

        return field.submit_report(
            visit=self._visit(completed=True),
            by=self._fixture("engineer"),
            idempotency_key=uuid.uuid4(),
            kind="repair",
            work_done="更换电源模块",
            started_at=timezone.now() - dt.timedelta(hours=1),
            finished_at=timezone.now(),
            test_result="passed",
            customer_signer="王主任",
            customer_signature=signature_png(),
            engineer_signature=signature_png(),
        )

    @cached_property
    def report_document_b(self):
        from aftersales.documents.services import render_document

        document = Document.objects.get(kind="service_report", subject_id=self.report_b.pk)
        return render_document(document.pk)

    @property
    def signature(self) -> str:
        import base64

        from tests.field.conftest import signature_png

        return base64.b64encode(signature_png()).decode()

    @property
    def now(self) -> str:
        return timezone.now().isoformat()

    @property
    def an_hour_ago(self) -> str:
        return (timezone.now() - dt.timedelta(hours=1)).isoformat()

    @cached_property
    def team(self) -> Team:
        return Team.objects.create(name="二线现场支持")

    @property
    def engineer_name(self) -> str:
        return self._engineer.username

    @cached_property
    def relief_name(self) -> str:
        return self._fixture("make_user")(Role.ENGINEER, username="world-relief").username

    @cached_property
    def shift(self):
        from aftersales.dispatch.services import plan_shift

        planner = self._fixture("make_user")(Role.DUTY_MANAGER, username="world-planner")
        return plan_shift(
            team=self.team,
            kind="day",
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(hours=8),
            duty_engineer=self._engineer,
            duty_manager=planner,
            by=planner,
        )

    @cached_property
    def vendor_case_b(self):
        from aftersales.dispatch.services import open_vendor_case

        return open_vendor_case(case=self.case_b, by=self._engineer, kind="third_party", party="电信", number="DX-B1")

    @cached_property
    def handover_b(self):
        from aftersales.dispatch.services import request_handover

        return request_handover(case=self.case_b, by=self._engineer, to_team=self.team, reason="应用软件问题")

    @property
    def consented_at(self) -> str:
        return timezone.now().isoformat()

    @property
    def expected_end_at(self) -> str:
        return (timezone.now() + dt.timedelta(days=2)).isoformat()

    def __getitem__(self, name: str):
        # str.format_map(world): only the names a probe mentions are made.
        return getattr(self, name)


@pytest.fixture
def world(request, case_a, case_b, customer_b, contact_b, equipment_b, engineer):
    return World(
        request,
        customer_b=customer_b,
        contact_b=contact_b.contact,
        site_b=equipment_b.site,
        equipment_b=equipment_b,
        product_model_b=equipment_b.product_model,
        contract_b=ContractFactory(customer=customer_b),
        case_a=case_a,
        case_b=case_b,
    )


def _fill(value, world):
    if callable(value):
        return value()
    return value.format_map(world) if isinstance(value, str) else value


def _everything_written() -> tuple:
    return (
        [list(model.objects.order_by("pk").values()) for model in MASTER_DATA],
        CaseEvent.objects.count(),
        Attachment.objects.count(),
        Consultation.objects.count(),
        Document.objects.count(),
        list(SuspensionRequest.objects.values_list("status", flat=True)),
        list(Case.objects.values_list("status", "severity", "tier", "owner", "team", "updated_at")),
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p.method}-{p.route}")
def test_route_answers_each_role(api, world, probe, role):
    path = _fill(probe.path, world)
    body = {key: _fill(value, world) for key, value in (probe.body or {}).items()}
    client = api(role)  # the persona's own rows exist before the snapshot
    before = _everything_written()
    response = getattr(client, probe.method)(path, body, format=probe.format)
    assert response.status_code == probe.expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
        # A refusal changes nothing.
        assert _everything_written() == before


@pytest.mark.parametrize("route", ["customer", "contact", "site", "equipment"])
def test_customer_contact_lists_only_their_own_organisation(api, world, customer_a, route):
    rows = api("contact_a").get(f"/api/v1/{route}s/".replace("equipments", "equipment")).json()["results"]
    customer_ids = {row["id"] if route == "customer" else row["customer"] for row in rows}
    assert customer_ids == {customer_a.pk}


def test_customer_contact_sees_no_contracts(api, world, customer_a):
    ContractFactory(customer=customer_a)
    assert api("contact_a").get("/api/v1/contracts/").json()["results"] == []


@pytest.mark.parametrize(
    "query", ["?status=all", "?q={case_b.number}", "?q=柜员终端", "?customer={customer_b.pk}", "?due=soon"]
)
def test_customer_b_case_is_absent_from_customer_a_lists_and_search(api, world, query):
    numbers = [row["number"] for row in api("contact_a").get("/api/v1/cases/" + _fill(query, world)).json()["results"]]
    assert world.case_b.number not in numbers
    assert set(numbers) <= {world.case_a.number}


def test_staff_search_finds_customer_b_case(api, world):
    rows = api("agent").get("/api/v1/cases/?q=柜员终端").json()["results"]
    assert [row["number"] for row in rows] == [world.case_b.number]


def test_contact_whose_record_is_deactivated_sees_nothing(api, world, contact_a):
    contact_a.contact.is_active = False
    contact_a.contact.save()
    client = api("contact_a")
    for route in ["customers", "contacts", "sites", "equipment", "cases"]:
        assert client.get(f"/api/v1/{route}/?status=all").json()["results"] == [], route


def test_customer_contact_reads_their_own_case_but_cannot_act_on_it(api, world):
    client = api("contact_a")
    assert client.get(f"/api/v1/cases/{world.case_a.number}/").status_code == 200
    response = client.post(f"/api/v1/cases/{world.case_a.number}/actions/accept/", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"


@pytest.mark.parametrize("route", ["customers", "contacts", "sites", "equipment", "contracts", "product-models"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_master_data_is_never_replaced_or_deleted(api, world, route, method):
    response = getattr(api("manager"), method)(f"/api/v1/{route}/", {}, format="json")
    assert response.status_code == 405
    assert set(response.json()) == {"code", "message", "fields"}


def test_api_root_speaks_the_requests_language(api, db):
    response = api(None, **{"Accept-Language": "en"}).get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication credentials were not provided."

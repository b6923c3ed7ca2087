"""The permission policy: declared names, roles, conditions, and refusal that fails closed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from aftersales.accounts import policy
from aftersales.accounts.roles import CASE_WORKERS, CLOSERS, ENGINEERS, MANAGERS, STAFF_ROLES, Role
from aftersales.core.errors import NotAllowed


@pytest.fixture
def declared(monkeypatch):
    monkeypatch.setattr(policy, "_PERMISSIONS", dict(policy._PERMISSIONS))
    policy.declare("test.plan", roles={Role.DUTY_MANAGER}, refused="only duty managers plan")
    policy.declare(
        "test.own",
        roles={Role.ENGINEER},
        refused="only your own",
        condition=lambda user, obj: obj == user.username,
    )


def test_roles_hold_a_permission_and_others_are_refused_with_its_message(declared, make_user):
    planner, engineer = make_user(Role.DUTY_MANAGER), make_user(Role.ENGINEER)
    assert policy.allowed(planner, "test.plan")
    assert not policy.allowed(engineer, "test.plan")
    policy.require(planner, "test.plan")
    with pytest.raises(NotAllowed) as refused:
        policy.require(engineer, "test.plan")
    assert str(refused.value.message) == "only duty managers plan"


def test_a_condition_decides_per_object(declared, make_user):
    engineer = make_user(Role.ENGINEER, username="wang")
    assert policy.allowed(engineer, "test.own", "wang")
    assert not policy.allowed(engineer, "test.own", "li")


def test_undeclared_anonymous_and_inactive_fail_closed(declared, make_user):
    planner = make_user(Role.DUTY_MANAGER)
    assert not policy.allowed(planner, "test.plann")  # a typo
    with pytest.raises(NotAllowed):
        policy.require(planner, "test.plann")
    assert not policy.allowed(AnonymousUser(), "test.plan")
    assert not policy.allowed(None, "test.plan")
    planner.is_active = False
    assert not policy.allowed(planner, "test.plan")


def test_declaring_one_name_twice_differently_is_an_error(declared):
    policy.declare("test.plan", roles={Role.DUTY_MANAGER}, refused="only duty managers plan")  # same: fine
    with pytest.raises(ValueError):
        policy.declare("test.plan", roles={Role.ENGINEER})


# --- the declared permissions: documented, held by the right roles ----------------------------

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"

DOC_GROUPS = {
    "*staff*": STAFF_ROLES,
    "*workers*": CASE_WORKERS,
    "*engineers*": ENGINEERS,
    "*managers*": MANAGERS,
    "*closers*": CLOSERS,
}


def documented_permissions() -> dict[str, frozenset[Role]]:
    """The table of docs/roles.md, "Permissions": name → the roles written (groups expanded)."""
    section = ROLES_DOC.read_text(encoding="utf-8").split("## Permissions", 1)[1].split("\n## ", 1)[0]
    table: dict[str, frozenset[Role]] = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`([a-z_.]+)`\s*\|([^|]*)\|", line)
        if not match:
            continue
        roles: set[Role] = set()
        for item in (part.strip() for part in match.group(2).split(",")):
            roles |= DOC_GROUPS[item] if item in DOC_GROUPS else {Role(item.strip("`"))}
        assert match.group(1) not in table, f"{match.group(1)} is listed twice"
        table[match.group(1)] = frozenset(roles)
    return table


def test_every_declared_permission_is_documented_with_its_roles():
    declared = {name: permission.roles for name, permission in policy.declared().items()}
    assert documented_permissions() == declared


def test_every_permission_has_a_description_and_a_refusal():
    for name, permission in policy.declared().items():
        assert str(permission.description).strip(), name
        assert str(permission.refused).strip(), name


# Role × permission for the main permissions: True where the role holds it.
S, W = set(STAFF_ROLES), set(CASE_WORKERS)
MATRIX = {
    "cases.read": S,
    "cases.open": W,
    "cases.work": W,
    "cases.close": {Role.DEPT_MANAGER, Role.CENTRE_MANAGER, Role.EXECUTIVE},
    "cases.suspend.request": set(ENGINEERS | MANAGERS),
    "cases.suspend.decide": {Role.DUTY_MANAGER, Role.DEPT_MANAGER, Role.CENTRE_MANAGER},
    "cases.reject": {Role.CUSTOMER},
    "customers.invite": {Role.HOTLINE, Role.EXECUTIVE, Role.ADMIN} | set(MANAGERS),
    "customers.contact": {Role.CUSTOMER},
    "inbox.read": S,
    "inbox.triage": W,
    "sla.duty_board": S,
    "api.master_data": {Role.ADMIN},
    "accounts.all_customers": S,
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_permission_matrix(make_user, role, name):
    user = make_user(role, username=f"{role.value}-{name}")
    # cases.comment-like conditions aside: these permissions have none (the object is not asked).
    assert policy.allowed(user, name) is (role in MATRIX[name])


def test_engineers_and_sales_may_not_close_and_sales_change_nothing(make_user):
    sales, engineer = make_user(Role.SALES), make_user(Role.ENGINEER)
    for name in ("cases.close", "cases.work", "cases.open", "inbox.triage", "cases.accept"):
        assert not policy.allowed(sales, name)
    assert not policy.allowed(engineer, "cases.close")
    with pytest.raises(NotAllowed):
        policy.require(sales, "cases.work")


def test_each_workflow_move_names_its_permission_with_the_same_roles():
    from aftersales.cases.workflow import TRANSITIONS

    for move in TRANSITIONS:
        assert move.permission, move.name
        assert policy.roles_holding(move.permission) == move.roles, move.name


def test_the_engine_asks_the_policy_so_a_narrowed_permission_refuses_the_move(monkeypatch, make_user, case_a):
    """The case machine asks `cases.accept` of the policy, not the row's roles: a condition
    added to the permission refuses an engineer the row would let through."""
    from aftersales.cases import services

    monkeypatch.setattr(policy, "_PERMISSIONS", dict(policy._PERMISSIONS))
    accept = policy.get("cases.accept")
    assert accept is not None
    policy._PERMISSIONS["cases.accept"] = policy.Permission(
        accept.name, accept.roles, accept.refused, condition=lambda user, case: False
    )
    with pytest.raises(NotAllowed):
        services.transition(case=case_a, action="accept", by=make_user(Role.ENGINEER))


def test_templates_ask_the_policy_through_may(make_user):
    template = Template('{% if user|may:"cases.close" %}close{% else %}no{% endif %}')
    assert template.render(Context({"user": make_user(Role.DEPT_MANAGER)})) == "close"
    assert template.render(Context({"user": make_user(Role.ENGINEER)})) == "no"
    assert template.render(Context({"user": AnonymousUser()})) == "no"


# --- the customer scope: one rule for every model ------------------------------------------


def test_customer_scope_staff_everything_contact_their_customer_others_nothing(make_user, contact_a, customer_a):
    assert policy.customer_scope(make_user(Role.SALES)).everything
    seen = policy.customer_scope(contact_a)
    assert not seen.everything and seen.customer_id == customer_a.pk
    assert policy.customer_scope(make_user()) == policy.NOTHING
    assert policy.customer_scope(AnonymousUser()) == policy.NOTHING
    contact_a.contact.is_active = False
    contact_a.contact.save()
    contact_a.refresh_from_db()
    assert policy.customer_scope(contact_a) == policy.NOTHING


def test_scope_narrows_every_registered_model_to_the_contacts_customer(
    contact_a, customer_a, customer_b, equipment_a, equipment_b, make_user
):
    from aftersales.customers.models import Contact, Customer, Site
    from aftersales.installed_base.models import Equipment

    assert set(policy.scope(contact_a, Customer.objects.all())) == {customer_a}
    assert {c.customer_id for c in policy.scope(contact_a, Contact.objects.all())} == {customer_a.pk}
    assert {s.customer_id for s in policy.scope(contact_a, Site.objects.all())} == {customer_a.pk}
    assert set(policy.scope(contact_a, Equipment.objects.all())) == {equipment_a}
    assert set(policy.scope(make_user(Role.HOTLINE), Equipment.objects.all())) == {equipment_a, equipment_b}
    assert not policy.scope(make_user(), Customer.objects.all()).exists()


def test_a_model_nobody_registered_is_closed_to_customers_and_open_to_staff(contact_a, make_user):
    from aftersales.installed_base.models import Vendor

    Vendor.objects.create(name="Acme")
    assert Vendor not in policy.scoped_models()
    assert not policy.scope(contact_a, Vendor.objects.all()).exists()
    assert policy.scope(make_user(Role.ENGINEER), Vendor.objects.all()).count() == Vendor.objects.count() > 0


def test_a_staff_member_who_also_holds_the_customer_role_is_not_a_customers_contact(make_user):
    assert policy.allowed(make_user(Role.CUSTOMER), "customers.contact")
    assert not policy.allowed(make_user(Role.CUSTOMER, Role.SALES), "customers.contact")

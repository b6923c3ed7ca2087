"""Nobody outside the permission policy compares roles: every "may this person…?" is asked of
`aftersales.accounts.policy` by a permission's name.

Like tests/test_layers.py, every module under aftersales/ is parsed with `ast` (nothing is
imported). Outside `aftersales/accounts/` and the apps' `permissions.py` (where permissions are
declared with their roles), a module may not
- import a set of roles (`STAFF_ROLES`, `CASE_WORKERS`, `CLOSERS`, …) from `accounts.roles`
  (`Role` itself, to name a role, is fine);
- read anything's `.roles` (a user's roles compared with a set, `Role.X in user.roles`);
- ask `is_staff_member`, `can_take_calls`, `has_role` or `is_customer_contact`;
- test `Role.X in …` / `Role.X not in …`.
Templates may not use `is_staff_member`, `can_take_calls`, `has_role`, `is_customer_contact` or `.roles`: they ask
`user|may:"…"`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "aftersales"

# Modules that may compare roles besides accounts/ and */permissions.py, with the reason.
ALLOWED = {
    # The kernel's transition engine: a machine whose rows name no permission (a throwaway
    # table in tests) is checked by the rows' roles; the case workflow passes `may` and asks
    # the policy (cases/workflow.py).
    "aftersales/core/transitions.py": "the engine's default check for machines without permissions",
}

ROLE_HELPERS = {"is_staff_member", "can_take_calls", "has_role", "is_customer_contact"}


def _exempt(path: Path) -> bool:
    relative = path.relative_to(PACKAGE.parent).as_posix()
    return relative.startswith("aftersales/accounts/") or path.name == "permissions.py" or relative in ALLOWED


def _python_modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts and not _exempt(path):
            yield path


def _is_role_member(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def role_checks(source: str, filename: str = "<source>") -> list[str]:
    """Each direct role comparison in `source`, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("accounts.roles"):
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if a.name != "Role"]
        elif isinstance(node, ast.Attribute) and node.attr == "roles":
            found.append(f"{node.lineno}: reads .roles")
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_HELPERS:
            found.append(f"{node.lineno}: asks .{node.attr}")
        elif isinstance(node, ast.Compare) and _is_role_member(node.left):
            if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
                found.append(f"{node.lineno}: tests a Role's membership")
        elif isinstance(node, ast.Constant) and node.value in ROLE_HELPERS:
            found.append(f"{node.lineno}: names {node.value} in a string (getattr)")
    return found


TEMPLATE_ROLE_CHECK = re.compile(
    r"\b(is_staff_member|can_take_calls|has_role|is_customer_contact|user_roles)\b|\.roles\b"
)


def _templates() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("templates/**/*.html"))
    yield from sorted(PACKAGE.rglob("templates/**/*.txt"))


def test_no_module_outside_the_policy_compares_roles():
    offenders = {
        str(path.relative_to(PACKAGE.parent)): checks
        for path in _python_modules()
        if (checks := role_checks(path.read_text(encoding="utf-8"), str(path)))
    }
    assert offenders == {}, "ask aftersales.accounts.policy by a permission's name instead"


def test_no_template_compares_roles():
    offenders = {
        str(path.relative_to(PACKAGE.parent)): [m.group(0) for m in TEMPLATE_ROLE_CHECK.finditer(text)]
        for path in _templates()
        if TEMPLATE_ROLE_CHECK.search(text := path.read_text(encoding="utf-8"))
    }
    assert offenders == {}, 'ask {% if user|may:"app.permission" %} instead'


def test_allowed_modules_still_exist():
    """An allowance whose module has gone is removed, so the list only shrinks."""
    assert [name for name in ALLOWED if not (PACKAGE.parent / name).exists()] == []


@pytest.mark.parametrize(
    "source",
    [
        "from aftersales.accounts.roles import STAFF_ROLES",
        "from aftersales.accounts.roles import Role, CASE_WORKERS",
        "ok = bool(user.roles & CASE_WORKERS)",
        "ok = Role.CUSTOMER in user.roles",
        "ok = Role.ADMIN not in roles",
        "ok = request.user.is_staff_member",
        "ok = user.can_take_calls",
        "ok = user.has_role(Role.ENGINEER)",
        "ok = by.is_customer_contact",
        "ok = getattr(request.user, 'is_staff_member', False)",
    ],
)
def test_each_kind_of_role_comparison_is_found(source):
    assert role_checks(source)


@pytest.mark.parametrize(
    "source",
    [
        "from aftersales.accounts.roles import Role",
        "from aftersales.accounts import policy\nok = policy.allowed(user, 'cases.close', case)",
        "users = users_with_role(Role.DUTY_MANAGER)",
        "ok = case.status in OPEN_STATUSES",
    ],
)
def test_asking_the_policy_or_naming_a_role_is_not_a_comparison(source):
    assert role_checks(source) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("{% if user.is_staff_member %}x{% endif %}", True),
        ("{% if user.can_take_calls %}x{% endif %}", True),
        ("{% if 'sales' in user_roles %}x{% endif %}", True),
        ('{% if user|may:"cases.open" %}x{% endif %}', False),
    ],
)
def test_template_check_sees_role_tests(text, found):
    assert bool(TEMPLATE_ROLE_CHECK.search(text)) is found

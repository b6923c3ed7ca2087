"""The case transition table checked for consistency, and against its documentation, without
the database: no test here asks for `db`, so pytest-django refuses any query they would make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersales.accounts.roles import Role
from aftersales.cases.models import Status
from aftersales.cases.workflow import CASE_WORKFLOW, TRANSITIONS
from aftersales.core.transitions import reachable, resolve

DOC = Path(__file__).resolve().parents[2] / "docs" / "cases.md"

# A cell's tokens: `code` or *group*; any other words in a cell are prose for the reader.
TOKEN = re.compile(r"`([^`]+)`|\*([a-z_]+)\*")


def test_the_table_has_no_inconsistency():
    assert CASE_WORKFLOW.problems(known_roles=Role.values) == []


@pytest.mark.parametrize("status", [pytest.param(s, id=s.value) for s in Status])
def test_every_status_is_reachable_from_new(status):
    assert status in reachable(CASE_WORKFLOW)


@pytest.mark.parametrize("move", [pytest.param(m, id=m.action) for m in TRANSITIONS])
def test_every_source_and_target_is_a_status_and_every_role_a_role(move):
    assert move.target in Status.values
    assert move.sources <= set(Status.values)
    assert move.roles and move.roles <= set(Role.values)
    assert all(callable(resolve(ref)) for ref in (*move.guards, *move.hooks, *move.on_commit))


def test_a_move_the_table_lacks_is_found():
    # The check is live: a machine without the table's only way into "merged" is reported.
    broken = type(CASE_WORKFLOW)(
        name="case",
        model=CASE_WORKFLOW.model,
        field="status",
        initial=Status.NEW,
        transitions=tuple(m for m in TRANSITIONS if m.action != "merge"),
    )
    assert "state 'merged' cannot be reached from 'new'" in broken.problems(known_roles=Role.values)


# --- the documented matrix (docs/cases.md) ----------------------------------------------------


def _tokens(cell: str, groups: dict[str, list[str]]) -> set[str]:
    found: set[str] = set()
    for code, group in TOKEN.findall(cell):
        found |= _tokens(" ".join(groups[group]), groups) if group else {code}
    return found


def documented_matrix(text: str) -> dict[str, tuple[frozenset, str, frozenset, bool]]:
    """action → (sources, target, roles, reason required) as the workflow section documents it."""
    section = text.split("## Workflow", 1)[1].split("\n## ", 1)[0]
    groups = {
        name: [f"`{code}`" if code else f"*{sub}*" for code, sub in TOKEN.findall(rest)]
        for name, rest in re.findall(r"^- \*([a-z_]+)\*: (.*)$", section, flags=re.M)
    }
    matrix = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        action = TOKEN.findall(cells[0])[0][0]
        (target,) = _tokens(cells[2], groups)
        assert action not in matrix, f"{action} is documented twice"
        matrix[action] = (
            frozenset(_tokens(cells[1], groups)),
            target,
            frozenset(_tokens(cells[3], groups)),
            cells[4].startswith("required"),
        )
    return matrix


def table_matrix() -> dict[str, tuple[frozenset, str, frozenset, bool]]:
    return {
        m.action: (
            frozenset(str(s) for s in m.sources),
            str(m.target),
            frozenset(str(r) for r in m.roles),
            m.needs_text,
        )
        for m in TRANSITIONS
    }


def test_the_documented_matrix_equals_the_table():
    documented, table = documented_matrix(DOC.read_text(encoding="utf-8")), table_matrix()

    assert sorted(documented) == sorted(table), "documented actions differ from the table's"
    for action, row in table.items():
        assert documented[action] == row, action


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(("| `close` | `resolved` |", "| `close` | `resolved`, `new` |"), "close", id="extra-source"),
        pytest.param(("`merged` | `hotline`", "`cancelled` | `hotline`"), "merge", id="other-target"),
        pytest.param(("| *closers* | |", "| *closers*, `engineer` | |"), "close", id="extra-role"),
        pytest.param(
            (
                "`waiting_parts` | *engineers*, *managers*, `parts_clerk` | required",
                "`waiting_parts` | *engineers*, *managers*, `parts_clerk` | ",
            ),
            "wait_parts",
            id="reason-dropped",
        ),
        pytest.param(("- *waiting*: `waiting_customer`, ", "- *waiting*: "), "resume", id="group-narrowed"),
    ],
)
def test_a_documented_matrix_that_drifted_from_the_table_is_caught(change, expected):
    text = DOC.read_text(encoding="utf-8")
    assert change[0] in text
    documented, table = documented_matrix(text.replace(change[0], change[1], 1)), table_matrix()

    assert documented[expected] != table[expected]

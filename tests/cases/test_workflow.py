"""The case state machine, tested from its own transition table.

The matrices below are generated from `workflow.TRANSITIONS` × every `Role` × every `Status`,
so a transition added to the table is covered here without touching this file.
"""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from aftersales.accounts.roles import CLOSERS, Role
from aftersales.cases import services
from aftersales.cases.models import FINISHED_STATUSES, OPEN_STATUSES, Case, CaseEvent, EventKind, Status
from aftersales.cases.workflow import TRANSITIONS, allowed_transitions
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.sla.models import SuspensionRequest

REASON = "客户确认：更换电源板后恢复正常。"

ALLOWED = [
    pytest.param(move, source, role, id=f"{move.action}-from-{source.value}-by-{role.value}")
    for move in TRANSITIONS
    for source in sorted(move.sources)
    for role in Role
    if role in move.roles
]
REFUSED_ROLE = [
    pytest.param(move, source, role, id=f"{move.action}-from-{source.value}-by-{role.value}")
    for move in TRANSITIONS
    for source in sorted(move.sources)
    for role in Role
    if role not in move.roles
]
REFUSED_STATUS = [
    pytest.param(move, status, id=f"{move.action}-from-{status.value}")
    for move in TRANSITIONS
    for status in Status
    if status not in move.sources
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def case_in(open_case, customer_a):
    """A case put straight into `status` (tests only: production code moves it by transitions)."""

    def make(status: Status, **kwargs) -> Case:
        case = open_case(customer_a, **kwargs)
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def row_in(customer_a, agent):
    """A case row written directly, without intake's numbering and service clocks (tests only).

    The generated matrix runs a few hundred times; this keeps it fast. The named tests below
    use `case_in`, which opens the case through intake as the hotline would.
    """
    sequence = iter(range(1, 1_000_000))

    def make(status: Status, title: str = "交换机无法呼出") -> Case:
        case = Case.objects.create(
            number=f"CS209901-{next(sequence):06d}",
            customer=customer_a,
            taken_by=agent,
            title=title,
            description="客户来电：所有分机无法拨打外线。",
        )
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def duplicate_target(row_in):
    """Makes, on demand, an open case to merge into (only merges need one)."""
    return lambda: row_in(Status.IN_PROGRESS, title="同一故障的第一次报障")


def _move(case, move, actor, duplicate_target, **kwargs):
    merge_into = duplicate_target() if move.target == Status.MERGED else None
    suspension = _consented_request(case) if move.target == Status.SUSPENDED else None
    return services.transition(
        case=case, action=move.action, by=actor, text=REASON, merge_into=merge_into, suspension=suspension, **kwargs
    )


def _consented_request(case):
    return SuspensionRequest.objects.create(
        case=case,
        requested_by=case.taken_by,
        requested_at=timezone.now(),
        reason=REASON,
        consent_by="客户张工",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=timezone.now(),
    )


def _status_events(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.STATUS)


# --- the generated matrix -----------------------------------------------------------------


def test_matrix_covers_every_transition_source_and_role():
    covered = {(p.values[0].action, p.values[1], p.values[2]) for p in ALLOWED + REFUSED_ROLE}
    expected = {(m.action, s, r) for m in TRANSITIONS for s in m.sources for r in Role}
    assert covered == expected
    assert len(REFUSED_STATUS) == sum(len(Status) - len(m.sources) for m in TRANSITIONS)


@pytest.mark.parametrize(("move", "source", "role"), ALLOWED)
def test_role_named_by_transition_moves_case_and_records_it(move, source, role, make_user, row_in, duplicate_target):
    case = row_in(source)
    actor = make_user(role)

    moved = _move(case, move, actor, duplicate_target)

    assert moved.status == move.target
    case.refresh_from_db()
    assert case.status == move.target
    event = _status_events(case).get()
    assert (event.from_status, event.to_status) == (source, move.target)
    assert event.actor == actor
    assert event.text == REASON


@pytest.mark.parametrize(("move", "source", "role"), REFUSED_ROLE)
def test_role_not_named_by_transition_is_refused(move, source, role, make_user, row_in, duplicate_target):
    case = row_in(source)
    actor = make_user(role)

    with pytest.raises(NotAllowed) as refused:
        _move(case, move, actor, duplicate_target)

    assert "Your role may not" in str(refused.value)
    case.refresh_from_db()
    assert case.status == source
    assert not _status_events(case).exists()


@pytest.mark.parametrize(("move", "status"), REFUSED_STATUS)
def test_transition_from_a_status_it_does_not_start_from_is_refused(move, status, make_user, row_in, duplicate_target):
    case = row_in(status)
    # Someone holding every role: the status alone must stop the move.
    actor = make_user(*Role, username="everyone")

    with pytest.raises(NotAllowed) as refused:
        _move(case, move, actor, duplicate_target)

    assert "is not possible while the case is" in str(refused.value)
    case.refresh_from_db()
    assert case.status == status
    assert not _status_events(case).exists()


@pytest.mark.parametrize("move", [pytest.param(m, id=m.action) for m in TRANSITIONS])
def test_every_transition_works_on_a_case_opened_through_intake(move, make_user, case_in):
    # The matrix above uses bare rows; this proves each move also works on a case with
    # everything intake sets up (number, entitlement, service clocks).
    source = sorted(move.sources)[0]
    case = case_in(source)

    _move(case, move, make_user(*move.roles, username="allowed"), lambda: case_in(Status.IN_PROGRESS))

    case.refresh_from_db()
    assert case.status == move.target
    assert _status_events(case).get().to_status == move.target


# --- the table itself -----------------------------------------------------------------------


def test_each_action_appears_once_in_the_table():
    actions = [move.action for move in TRANSITIONS]
    assert len(actions) == len(set(actions))


def test_every_open_status_and_resolved_can_be_left():
    for status in OPEN_STATUSES | {Status.RESOLVED}:
        assert any(status in move.sources for move in TRANSITIONS), status


def test_cancelled_and_merged_cases_are_final():
    for move in TRANSITIONS:
        assert not move.sources & {Status.CANCELLED, Status.MERGED}, move.action


def test_only_department_managers_and_above_may_close():
    (close,) = [move for move in TRANSITIONS if move.target == Status.CLOSED]
    assert close.roles == CLOSERS
    assert Role.DUTY_MANAGER not in close.roles
    assert Role.ENGINEER not in close.roles


def test_allowed_transitions_offers_close_to_a_manager_but_not_to_an_engineer():
    engineer_moves = {m.action for m in allowed_transitions(Status.RESOLVED, frozenset({Role.ENGINEER}))}
    manager_moves = {m.action for m in allowed_transitions(Status.RESOLVED, frozenset({Role.DEPT_MANAGER}))}
    assert engineer_moves == {"reopen"}
    assert manager_moves == {"close", "reopen"}


# --- named behaviours -------------------------------------------------------------------------


def test_engineer_cannot_close_case(engineer, case_in):
    case = case_in(Status.RESOLVED)

    with pytest.raises(NotAllowed, match="Your role may not “Close” a case"):
        services.transition(case=case, action="close", by=engineer)

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.closed_at is None


def test_duty_manager_cannot_close_case(make_user, case_in):
    case = case_in(Status.RESOLVED)

    with pytest.raises(NotAllowed):
        services.transition(case=case, action="close", by=make_user(Role.DUTY_MANAGER))

    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_engineer_can_resolve_case(engineer, case_in):
    case = case_in(Status.IN_PROGRESS)

    services.transition(case=case, action="resolve", by=engineer, text=REASON)

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.resolved_at is not None
    event = _status_events(case).get()
    assert event.is_public, "the customer sees the resolution"
    assert event.text == REASON


def test_manager_can_close_resolved_case(manager, case_in):
    case = case_in(Status.RESOLVED)

    services.transition(case=case, action="close", by=manager)

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    assert _status_events(case).get().is_public


def test_resolved_case_can_be_reopened(agent, engineer, case_in):
    case = case_in(Status.IN_PROGRESS)
    services.transition(case=case, action="resolve", by=engineer, text=REASON)

    services.transition(case=case, action="reopen", by=agent, text="客户反馈故障再次出现")

    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert case.resolved_at is None
    assert case.is_open
    # and work can begin again
    services.transition(case=case, action="accept", by=engineer)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_closed_case_can_be_reopened_and_loses_its_closing_time(manager, case_in):
    case = case_in(Status.RESOLVED)
    services.transition(case=case, action="close", by=manager)

    services.transition(case=case, action="reopen", by=manager, text="同一故障一周内复发")

    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert case.closed_at is None


def test_stale_expected_status_is_a_conflict(make_user, case_a):
    first = make_user(Role.ENGINEER, username="engineer-1")
    second = make_user(Role.ENGINEER, username="engineer-2")
    seen = case_a.status  # both loaded the page while the case was new
    services.transition(case=case_a, action="accept", by=first, expected_status=seen)

    with pytest.raises(Conflict, match="Someone else changed this case meanwhile"):
        services.transition(case=case_a, action="accept", by=second, expected_status=seen)

    case_a.refresh_from_db()
    assert case_a.status == Status.ACCEPTED
    assert case_a.owner == first
    assert _status_events(case_a).count() == 1


def test_matching_expected_status_lets_the_move_through(engineer, case_a):
    services.transition(case=case_a, action="accept", by=engineer, expected_status=Status.NEW)

    case_a.refresh_from_db()
    assert case_a.status == Status.ACCEPTED


@pytest.mark.parametrize("move", [pytest.param(m, id=m.action) for m in TRANSITIONS if m.needs_text])
@pytest.mark.parametrize("text", ["", "   \n "])
def test_transition_that_needs_a_reason_refuses_blank_text(move, text, make_user, row_in, duplicate_target):
    source = sorted(move.sources)[0]
    case = row_in(source)
    actor = make_user(*move.roles, username="allowed")
    merge_into = duplicate_target() if move.target == Status.MERGED else None

    with pytest.raises(DomainError) as refused:
        services.transition(case=case, action=move.action, by=actor, text=text, merge_into=merge_into)

    assert "text" in refused.value.fields
    case.refresh_from_db()
    assert case.status == source
    assert not _status_events(case).exists()


@pytest.mark.parametrize(
    "move", [pytest.param(m, id=m.action) for m in TRANSITIONS if not m.needs_text and m.target != Status.MERGED]
)
def test_transition_without_a_reason_needs_no_text(move, make_user, row_in):
    case = row_in(sorted(move.sources)[0])

    services.transition(case=case, action=move.action, by=make_user(*move.roles, username="allowed"))

    case.refresh_from_db()
    assert case.status == move.target


def test_unknown_action_is_not_allowed(manager, case_a):
    with pytest.raises(NotAllowed, match="Unknown action"):
        services.transition(case=case_a, action="delete", by=manager)


def test_accepting_an_unowned_case_makes_the_engineer_its_owner(engineer, case_a):
    services.transition(case=case_a, action="accept", by=engineer)

    case_a.refresh_from_db()
    assert case_a.owner == engineer
    assert case_a.accepted_at is not None
    assert case_a.taken_by.username == "agent", "first-contact ownership stays with the agent"


def test_accepting_keeps_an_existing_owner(engineer, manager, make_user, case_a):
    specialist = make_user(Role.SPECIALIST, username="specialist")
    services.assign(case=case_a, by=manager, owner=specialist)

    services.transition(case=case_a, action="accept", by=engineer)

    case_a.refresh_from_db()
    assert case_a.owner == specialist


# --- merging ------------------------------------------------------------------------------------


def test_merge_needs_a_case_to_merge_into(agent, case_a):
    with pytest.raises(DomainError) as refused:
        services.transition(case=case_a, action="merge", by=agent, text="重复报障")

    assert "merge_into" in refused.value.fields
    case_a.refresh_from_db()
    assert case_a.status == Status.NEW


def test_case_cannot_be_merged_into_itself(agent, case_a):
    with pytest.raises(DomainError) as refused:
        services.transition(case=case_a, action="merge", by=agent, text="重复报障", merge_into=case_a)

    assert "merge_into" in refused.value.fields
    case_a.refresh_from_db()
    assert case_a.status == Status.NEW


@pytest.mark.parametrize("finished", sorted(FINISHED_STATUSES | {Status.RESOLVED}))
def test_case_can_only_be_merged_into_an_open_case(finished, agent, case_a, case_in):
    target = case_in(finished, title="已结束的旧案例")

    with pytest.raises(DomainError, match="only be merged into an open case"):
        services.transition(case=case_a, action="merge", by=agent, text="重复报障", merge_into=target)

    case_a.refresh_from_db()
    assert case_a.status == Status.NEW
    assert case_a.merged_into is None
    assert not target.events.filter(kind=EventKind.NOTE).exists()


def test_case_cannot_be_merged_into_another_customers_case(agent, case_a, case_b):
    with pytest.raises(DomainError) as refused:
        services.transition(case=case_a, action="merge", by=agent, text="重复报障", merge_into=case_b)

    assert "merge_into" in refused.value.fields
    case_a.refresh_from_db()
    assert case_a.status == Status.NEW
    assert not case_b.events.filter(kind=EventKind.NOTE).exists()


def test_merged_case_points_to_the_open_case_which_notes_the_merge(agent, case_a, case_in):
    target = case_in(Status.IN_PROGRESS, title="同一故障的第一次报障")

    services.transition(case=case_a, action="merge", by=agent, text="同一客户重复来电", merge_into=target)

    case_a.refresh_from_db()
    assert case_a.status == Status.MERGED
    assert case_a.merged_into == target
    note = target.events.get(kind=EventKind.NOTE)
    assert case_a.number in note.text
    assert not note.is_public


# --- read-only roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("move", [pytest.param(m, id=m.action) for m in TRANSITIONS])
def test_sales_cannot_take_any_transition(move, sales, row_in, duplicate_target):
    case = row_in(sorted(move.sources)[0])

    with pytest.raises(NotAllowed):
        _move(case, move, sales, duplicate_target)

    assert not _status_events(case).exists()


def test_sales_cannot_change_a_case_in_any_other_way(sales, engineer, case_a):
    attempts = [
        lambda: services.assign(case=case_a, by=sales, owner=engineer),
        lambda: services.change_severity(case=case_a, by=sales, severity="A", reason="客户投诉"),
        lambda: services.update_case(case=case_a, by=sales, title="改过的标题"),
        lambda: services.add_comment(case=case_a, by=sales, text="销售备注", public=False),
    ]
    events_before = case_a.events.count()

    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()

    case_a.refresh_from_db()
    assert (case_a.owner, case_a.severity, case_a.title) == (None, "C", "交换机无法呼出")
    assert case_a.events.count() == events_before

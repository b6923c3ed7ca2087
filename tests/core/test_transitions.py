"""The transition engine on a tiny throwaway machine (a ticket: draft → open → done, or void).

The ticket model lives in its own app registry, so no migration knows it; its table is made
for this module and dropped after. Actors are plain objects holding roles: the engine asks
nothing else of them.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.apps.registry import Apps
from django.db import connection, models, transaction
from django.utils import translation

from aftersales.core import transitions as engine
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from tests.concurrency import run_together


class Ticket(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        DONE = "done", "Done"
        VOID = "void", "Void"

    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.TextField(blank=True)

    class Meta:
        apps = Apps()
        app_label = "transitions_test"
        db_table = "test_core_transitions_ticket"


CLERK, BOSS = "clerk", "boss"
calls: list[tuple[str, str]] = []


def log(name: str):
    """A hook or guard that notes its name and the state of the row as the database holds it."""

    def hook(move: engine.Move) -> None:
        calls.append((name, Ticket.objects.get(pk=move.obj.pk).state))

    return hook


def needs_note(move: engine.Move) -> None:
    calls.append(("guard:needs_note", move.obj.state))
    if not move.text:
        raise DomainError("Say what was done.", fields={"text": ["This field is required."]})


def failing_hook(move: engine.Move) -> None:
    raise DomainError("The printer is out of paper.")


def slow_hook(move: engine.Move) -> None:
    # Keeps the first mover inside its transaction while the second reads the row.
    time.sleep(0.5)


T = engine.Transition
MACHINE = engine.Machine(
    name="ticket",
    model=Ticket,
    field="state",
    initial=Ticket.State.DRAFT,
    transitions=(
        T("submit", "Submit", frozenset({"draft"}), "open", frozenset({CLERK, BOSS}), hooks=(log("submit:1"),)),
        T(
            "finish",
            "Finish",
            frozenset({"open"}),
            "done",
            frozenset({BOSS}),
            guards=(needs_note,),
            hooks=(log("finish:1"), log("finish:2")),
            on_commit=(log("finish:on_commit"),),
        ),
        T("void", "Void", frozenset({"draft", "open"}), "void", frozenset({BOSS}), hooks=(failing_hook,)),
        T("slow_submit", "Submit slowly", frozenset({"draft"}), "open", frozenset({CLERK}), hooks=(slow_hook,)),
        T(
            "reopen",
            "Reopen",
            frozenset({"done"}),
            "open",
            frozenset({BOSS}),
            hooks=("tests.core.test_transitions.reopened",),
        ),
    ),
    guards=(log("guard:machine"),),
    hooks=(log("hook:machine"),),
)
reopened = log("reopen:by-path")


def actor(*roles: str) -> SimpleNamespace:
    return SimpleNamespace(roles=frozenset(roles))


@pytest.fixture(scope="module")
def ticket_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            if Ticket._meta.db_table in connection.introspection.table_names():
                editor.delete_model(Ticket)
            editor.create_model(Ticket)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(Ticket)


@pytest.fixture
def ticket_in(ticket_table, db):
    calls.clear()

    def make(state: str) -> Ticket:
        return Ticket.objects.create(state=state)

    return make


def state_of(ticket: Ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).state


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- allowed and refused moves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "source", "roles", "target"),
    [
        ("submit", "draft", (CLERK,), "open"),
        ("submit", "draft", (BOSS,), "open"),
        ("finish", "open", (BOSS,), "done"),
        ("reopen", "done", (BOSS, CLERK), "open"),
    ],
)
def test_allowed_move_sets_the_state_and_saves_it(action, source, roles, target, ticket_in):
    ticket = ticket_in(source)

    moved = engine.apply(MACHINE, obj=ticket, action=action, by=actor(*roles), text="done on site")

    assert moved.state == target
    assert state_of(ticket) == target


@pytest.mark.parametrize(
    ("action", "state"),
    [("submit", "open"), ("submit", "void"), ("finish", "draft"), ("finish", "done"), ("reopen", "open")],
)
def test_move_from_a_state_it_does_not_start_from_is_refused_and_nothing_runs(action, state, ticket_in):
    ticket = ticket_in(state)

    with pytest.raises(NotAllowed, match="is not possible while it is"):
        MACHINE.apply(obj=ticket, action=action, by=actor(CLERK, BOSS), text="x")

    assert state_of(ticket) == state
    assert calls == []


@pytest.mark.parametrize(
    ("action", "source", "roles"),
    [
        ("finish", "open", (CLERK,)),
        ("void", "draft", (CLERK,)),
        ("submit", "draft", ()),
        ("slow_submit", "draft", (BOSS,)),
    ],
)
def test_actor_without_a_role_of_the_transition_is_refused(action, source, roles, ticket_in):
    ticket = ticket_in(source)

    with pytest.raises(NotAllowed, match="Your role may not"):
        MACHINE.apply(obj=ticket, action=action, by=actor(*roles), text="x")

    assert state_of(ticket) == source
    assert calls == []


def test_guard_refuses_with_its_own_error_before_anything_is_written(ticket_in):
    ticket = ticket_in("open")

    with pytest.raises(DomainError) as refused:
        MACHINE.apply(obj=ticket, action="finish", by=actor(BOSS), text="   ")

    assert refused.value.fields == {"text": ["This field is required."]}
    assert state_of(ticket) == "open"
    assert calls == [("guard:machine", "open"), ("guard:needs_note", "open")], "no hook ran"


def test_unknown_action_is_refused(ticket_in):
    ticket = ticket_in("draft")

    with pytest.raises(NotAllowed, match="Unknown action “delete”"):
        MACHINE.apply(obj=ticket, action="delete", by=actor(BOSS))

    assert state_of(ticket) == "draft"


@pytest.mark.parametrize(("seen", "now"), [("draft", "open"), ("open", "done"), ("draft", "void")])
def test_a_state_other_than_the_one_the_actor_saw_is_a_conflict(seen, now, ticket_in):
    ticket = ticket_in(now)

    with pytest.raises(Conflict, match=f"changed this meanwhile: it is now “{now.capitalize()}”"):
        MACHINE.apply(obj=ticket, action="submit", by=actor(CLERK), expected=seen)

    assert state_of(ticket) == now


def test_refusals_are_translated_into_the_active_language(ticket_in):
    ticket = ticket_in("open")

    with translation.override("zh-hans"), pytest.raises(NotAllowed) as refused:
        MACHINE.apply(obj=ticket, action="finish", by=actor(CLERK), text="x")

    assert "Your role" not in refused.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message), refused.value.message


# --- hooks -------------------------------------------------------------------------------------


def test_guards_then_hooks_run_in_declared_order_after_the_state_is_saved(
    ticket_in, django_capture_on_commit_callbacks
):
    ticket = ticket_in("open")

    with django_capture_on_commit_callbacks(execute=True):
        MACHINE.apply(obj=ticket, action="finish", by=actor(BOSS), text="fan replaced")
        assert ("finish:on_commit", "done") not in calls, "not before the commit"

    assert calls == [
        ("guard:machine", "open"),
        ("guard:needs_note", "open"),
        ("hook:machine", "done"),
        ("finish:1", "done"),
        ("finish:2", "done"),
        ("finish:on_commit", "done"),
    ]


def test_hook_given_as_a_dotted_path_runs(ticket_in):
    ticket = ticket_in("done")

    MACHINE.apply(obj=ticket, action="reopen", by=actor(BOSS))

    assert ("reopen:by-path", "open") in calls


def test_a_failing_hook_rolls_the_whole_move_back(ticket_in, django_capture_on_commit_callbacks):
    ticket = ticket_in("draft")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DomainError, match="out of paper"),
    ):
        MACHINE.apply(obj=ticket, action="void", by=actor(BOSS))

    assert state_of(ticket) == "draft"
    assert callbacks == []


def test_on_commit_hook_does_not_run_when_the_callers_transaction_rolls_back(
    ticket_in, django_capture_on_commit_callbacks
):
    ticket = ticket_in("open")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        MACHINE.apply(obj=ticket, action="finish", by=actor(BOSS), text="fan replaced")
        raise RuntimeError("the caller fails after the move")

    assert state_of(ticket) == "open"
    assert callbacks == []
    assert ("finish:on_commit", "done") not in calls


# --- the table itself, without the database ----------------------------------------------------


def test_a_sound_table_has_no_problems():
    assert MACHINE.problems(known_roles={CLERK, BOSS}) == []
    assert engine.reachable(MACHINE) == {"draft", "open", "done", "void"}


def _with(*transitions: engine.Transition) -> engine.Machine:
    return engine.Machine(name="broken", model=Ticket, field="state", initial="draft", transitions=transitions)


SUBMIT = T("submit", "Submit", frozenset({"draft"}), "open", frozenset({CLERK}))
FINISH = T("finish", "Finish", frozenset({"open"}), "done", frozenset({BOSS}))
VOID = T("void", "Void", frozenset({"draft"}), "void", frozenset({BOSS}))


@pytest.mark.parametrize(
    ("machine", "problem"),
    [
        pytest.param(_with(SUBMIT, FINISH), "state 'void' cannot be reached", id="unreachable-state"),
        pytest.param(
            _with(SUBMIT, FINISH, VOID, T("x", "X", frozenset({"draft"}), "archived", frozenset({BOSS}))),
            "x: target 'archived' is not a state",
            id="unknown-target",
        ),
        pytest.param(
            _with(SUBMIT, FINISH, VOID, T("x", "X", frozenset({"lost"}), "open", frozenset({BOSS}))),
            "x: source 'lost' is not a state",
            id="unknown-source",
        ),
        pytest.param(
            _with(SUBMIT, FINISH, VOID, T("x", "X", frozenset({"open"}), "done", frozenset({"janitor"}))),
            "x: 'janitor' is not a role",
            id="unknown-role",
        ),
        pytest.param(_with(SUBMIT, FINISH, VOID, SUBMIT), "'submit' is declared more than once", id="duplicate"),
        pytest.param(
            _with(
                SUBMIT,
                FINISH,
                VOID,
                T("x", "X", frozenset({"open"}), "done", frozenset({BOSS}), hooks=("no.such.hook",)),
            ),
            "x: 'no.such.hook' does not import",
            id="hook-path",
        ),
        pytest.param(
            _with(SUBMIT, FINISH, VOID, T("x", "X", frozenset({"open"}), "done", frozenset())),
            "x: nobody may take it",
            id="no-role",
        ),
    ],
)
def test_an_inconsistent_table_is_reported(machine, problem):
    problems = machine.problems(known_roles={CLERK, BOSS})

    assert any(problem in p for p in problems), problems


# --- two people at once, on PostgreSQL ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_one_wins_the_other_is_told_it_changed_meanwhile(ticket_table):
    ticket = Ticket.objects.create(state="draft")

    def submit():
        return MACHINE.apply(obj=ticket, action="slow_submit", by=actor(CLERK), expected="draft")

    results = run_together([submit, submit])

    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "changed this meanwhile: it is now “Open”" in losers[0].message
    assert state_of(ticket) == "open"
    Ticket.objects.filter(pk=ticket.pk).delete()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_second_mover_waits_for_the_first_and_reads_its_state(ticket_table):
    # Without `expected`, the second move is checked against the state the first committed.
    ticket = Ticket.objects.create(state="draft")

    def submit():
        return MACHINE.apply(obj=ticket, action="slow_submit", by=actor(CLERK))

    results = run_together([submit, submit])

    refused = [r for r in results if isinstance(r, NotAllowed)]
    assert len(refused) == 1 and "is not possible while it is “Open”" in refused[0].message, results
    Ticket.objects.filter(pk=ticket.pk).delete()

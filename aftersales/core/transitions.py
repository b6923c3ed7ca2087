"""A declarative state machine for any model with a state field (cases, visits, RMAs, orders…).

A `Machine` names the model, its state field, the state a new row starts in and a table of
`Transition`s. Each transition says where it may start (`sources`), where it goes (`target`),
who may take it (`roles`), what must hold first (`guards`) and what follows it (`hooks` inside
the same transaction, `on_commit` once the transaction has committed).

`apply` is the one function that moves a row: it locks the row, checks the move, the actor's
right and the guards, sets the state field, saves, and runs the hooks. Refusals are
`DomainError`s with a translatable message, never tracebacks. Nothing else should assign the
state field of a model that has a machine.

Hooks and guards are callables taking the `Move`, or dotted paths to one ("pkg.module.name")
when the module that defines them must import the module that declares the machine; a dotted
path is imported on first use.

This module is kernel: it imports no domain app.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import Conflict, NotAllowed

Hook = Callable[["Move"], object]
# A hook, a guard, or the dotted path of one.
HookRef = Hook | str


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: `name` from any of `sources` to `target`, by `roles`."""

    name: str
    label: Any  # a (lazy) translatable string, shown on buttons and in messages
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    # Each guard refuses the move by raising a DomainError; it runs before anything is written.
    guards: tuple[HookRef, ...] = ()
    # Run in this order after the state field is set and saved, inside the same transaction.
    hooks: tuple[HookRef, ...] = ()
    # Run in this order after the transaction commits; never if it rolls back.
    on_commit: tuple[HookRef, ...] = ()

    def allows(self, state: str, roles: Iterable[str]) -> bool:
        """True when the move may start from `state` for someone holding `roles` (guards aside)."""
        return state in self.sources and bool(self.roles & frozenset(roles))


@dataclass(frozen=True)
class Messages:
    """The refusals a machine reports. Each is formatted with `action` (the transition's label)
    and `state` (the display of the row's current state; also given as `status`)."""

    unknown: Any = _("Unknown action “%(action)s”.")
    changed: Any = _("Someone else changed this meanwhile: it is now “%(state)s”. Reload the page and try again.")
    not_from: Any = _("“%(action)s” is not possible while it is “%(state)s”.")
    role: Any = _("Your role may not “%(action)s”.")


def _roles_of(actor: Any) -> frozenset[str]:
    return frozenset(getattr(actor, "roles", ()) or ())


@dataclass(frozen=True)
class Machine:
    """A model's state machine: the model, its state field, the initial state and the table.

    `guards` and `hooks` given here apply to every transition: the machine's guards run before
    the transition's own, the machine's hooks (typically: write the history entry) before the
    transition's own. `roles_of(actor)` returns the roles an actor holds.
    """

    name: str
    model: type[models.Model]
    field: str
    initial: str
    transitions: tuple[Transition, ...]
    messages: Messages = Messages()
    guards: tuple[HookRef, ...] = ()
    hooks: tuple[HookRef, ...] = ()
    roles_of: Callable[[Any], frozenset[str]] = _roles_of
    # Whether an actor may take a transition on a row: `may(actor, transition, row)`. A machine
    # whose rows name a permission asks the permission policy here (the case workflow does);
    # without it, the actor's roles (`roles_of`) must meet the row's.
    may: Callable[[Any, Transition, Any], bool] | None = None
    # Related rows read with the locked row (only the machine's own row is locked).
    select_related: tuple[str, ...] = ()
    by_name: Mapping[str, Transition] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {t.name: t for t in self.transitions})

    @property
    def states(self) -> frozenset[str]:
        """Every value the state field may hold (its choices)."""
        choices = getattr(self.model._meta.get_field(self.field), "flatchoices", ())
        return frozenset(str(value) for value, _label in choices)

    def transition(self, name: str) -> Transition | None:
        """The transition called `name`, or None."""
        return self.by_name.get(name)

    def allowed(self, state: str, roles: Iterable[str]) -> list[Transition]:
        """The transitions someone holding `roles` may start from `state`, in table order.
        Guards are not consulted: they may still refuse when the move is taken."""
        held = frozenset(roles)
        return [t for t in self.transitions if t.allows(state, held)]

    def problems(self, *, known_roles: Iterable[str] | None = None) -> list[str]:
        """Inconsistencies of the table, as sentences (empty when it is sound): duplicate names,
        a source or target that is not a state, a role outside `known_roles`, a state that
        cannot be reached from the initial state, a hook or guard path that does not import.
        Reads no database."""
        return _problems(self, None if known_roles is None else frozenset(known_roles))

    def apply(
        self, *, obj: models.Model, action: str, by: Any, expected: str | None = None, text: str = "", **params: Any
    ) -> Any:
        """Move `obj` by `action`; see the module function `apply`, whose guarantees hold."""
        return apply(self, obj=obj, action=action, by=by, expected=expected, text=text, **params)


@dataclass
class Move:
    """What guards and hooks are told about the move being made."""

    machine: Machine
    transition: Transition
    obj: Any  # the locked row; its state field holds `target` once hooks run
    by: Any
    before: str
    at: dt.datetime
    text: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def target(self) -> str:
        return self.transition.target

    @property
    def action(self) -> str:
        return self.transition.name


@cache
def _resolve_path(path: str) -> Hook:
    return import_string(path)


def resolve(hook: HookRef) -> Hook:
    """The callable a hook or guard reference names (a dotted path is imported once)."""
    return _resolve_path(hook) if isinstance(hook, str) else hook


def _later(hook: HookRef, move: Move) -> Callable[[], None]:
    def run() -> None:
        resolve(hook)(move)

    return run


def _display(machine: Machine, row: models.Model) -> str:
    getter = getattr(row, f"get_{machine.field}_display", None)
    return str(getter() if getter else getattr(row, machine.field))


def _lock(machine: Machine, obj: models.Model) -> models.Model:
    # of=("self",): lock only the machine's row; PostgreSQL refuses FOR UPDATE on the nullable
    # side of an outer join that select_related may add.
    rows = machine.model._default_manager.select_for_update(of=("self",))
    if machine.select_related:
        rows = rows.select_related(*machine.select_related)
    return rows.get(pk=obj.pk)


def apply(
    machine: Machine,
    *,
    obj: models.Model,
    action: str,
    by: Any,
    expected: str | None = None,
    text: str = "",
    **params: Any,
) -> Any:
    """Move `obj` by the transition `action` of `machine`, on behalf of `by`.

    Guarantees, in one transaction (joining the caller's if there is one):
    - the row is locked (`select_for_update`) and read afresh before anything is checked, so of
      two people acting at once one wins and the other sees the winner's state;
    - refusals, each a DomainError whose message is translated into the active language and
      nothing written: an unknown action (NotAllowed); a state other than `expected`, when the
      caller says which state it saw (Conflict, "changed meanwhile"); a state the transition does
      not start from (NotAllowed); an actor without one of its roles (NotAllowed); then the
      machine's guards and the transition's guards, in that order, which raise their own;
    - then the state field is set and the row saved, and the machine's hooks followed by the
      transition's hooks run in declared order inside the transaction: if one raises, the whole
      move is rolled back;
    - the on-commit hooks run after the outermost transaction commits, never if it rolls back.

    `text` (stripped) and any other keyword arguments reach guards and hooks as `move.text`
    and `move.params`. Returns the locked, moved row.
    """
    text = (text or "").strip()
    with transaction.atomic():
        move_def = machine.transition(action)
        if move_def is None:
            raise NotAllowed(str(machine.messages.unknown) % {"action": action})
        row = _lock(machine, obj)
        state = str(getattr(row, machine.field))
        shown = {"action": move_def.label, "state": _display(machine, row), "status": _display(machine, row)}
        if expected and state != expected:
            raise Conflict(str(machine.messages.changed) % shown)
        if state not in move_def.sources:
            raise NotAllowed(str(machine.messages.not_from) % shown)
        if not _may(machine, by, move_def, row):
            raise NotAllowed(str(machine.messages.role) % shown)
        move = Move(machine, move_def, row, by, before=state, at=timezone.now(), text=text, params=params)
        for guard in (*machine.guards, *move_def.guards):
            resolve(guard)(move)
        setattr(row, machine.field, move_def.target)
        row.save()
        for hook in (*machine.hooks, *move_def.hooks):
            resolve(hook)(move)
        for hook in move_def.on_commit:
            transaction.on_commit(_later(hook, move))
    return row


def _may(machine: Machine, actor: Any, move_def: Transition, row: Any) -> bool:
    if machine.may is not None:
        return bool(machine.may(actor, move_def, row))
    return bool(move_def.roles & machine.roles_of(actor))


def _problems(machine: Machine, known_roles: frozenset[str] | None) -> list[str]:
    found: list[str] = []
    states = machine.states
    initial = str(machine.initial)
    names = [t.name for t in machine.transitions]
    found += [f"transition {name!r} is declared more than once" for name in sorted(set(names)) if names.count(name) > 1]
    if initial not in states:
        found.append(f"the initial state {initial!r} is not a state")
    for move in machine.transitions:
        found += [f"{move.name}: source {str(s)!r} is not a state" for s in sorted(move.sources - states)]
        if move.target not in states:
            found.append(f"{move.name}: target {str(move.target)!r} is not a state")
        if not move.sources:
            found.append(f"{move.name}: starts from no state")
        if not move.roles:
            found.append(f"{move.name}: nobody may take it")
        if known_roles is not None:
            found += [f"{move.name}: {str(r)!r} is not a role" for r in sorted(move.roles - known_roles)]
        for ref in (*move.guards, *move.hooks, *move.on_commit):
            try:
                hook = resolve(ref)
            except ImportError:
                found.append(f"{move.name}: {ref!r} does not import")
                continue
            if not callable(hook):
                found.append(f"{move.name}: {ref!r} is not callable")
    for ref in (*machine.guards, *machine.hooks):
        try:
            resolve(ref)
        except ImportError:
            found.append(f"{machine.name}: {ref!r} does not import")
    found += [f"state {s!r} cannot be reached from {initial!r}" for s in sorted(states - reachable(machine))]
    return found


def reachable(machine: Machine) -> frozenset[str]:
    """The states reachable from the initial state through the table (the initial included)."""
    seen = {str(machine.initial)}
    frontier = [str(machine.initial)]
    while frontier:
        state = frontier.pop()
        for move in machine.transitions:
            if state in move.sources and str(move.target) not in seen:
                seen.add(str(move.target))
                frontier.append(str(move.target))
    return frozenset(seen)

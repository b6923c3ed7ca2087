"""Who may do what in dispatch; declared once, asked through `aftersales.accounts.policy`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import CASE_WORKERS, ENGINEERS, MANAGERS, STAFF_ROLES, Role

PLANNERS = MANAGERS | {Role.ADMIN}
# Who may be the duty engineer or the duty manager of a shift, and who is offered cases.
ON_DUTY = "dispatch.be_on_duty"
DUTY_MANAGER = "dispatch.be_duty_manager"
ASSIGNABLE = "dispatch.be_assigned"
WORKERS = ENGINEERS | MANAGERS
# Who may decide a handover: the receiving team's manager or members, or any manager.
DECIDERS = WORKERS | {Role.HOTLINE}


def _receives(user, handover) -> bool:
    """A manager decides any handover; others only one offered to a team they belong to."""
    if handover is None or user.roles & MANAGERS:
        return True
    team = handover.to_team
    return team.manager_id == user.pk or team.members.filter(pk=user.pk).exists()


def register() -> None:
    policy.declare(
        ON_DUTY,
        roles=STAFF_ROLES,
        refused=_("Choose a staff member."),
        description=_("Be the duty engineer of a shift"),
    )
    policy.declare(
        DUTY_MANAGER,
        roles=MANAGERS,
        refused=_("Choose someone with a manager's role."),
        description=_("Be the duty manager of a shift"),
    )
    policy.declare(
        ASSIGNABLE,
        roles=ENGINEERS,
        refused=_("Cases are proposed to engineers only."),
        description=_("Be proposed as the owner of a new case"),
    )
    policy.declare(
        "dispatch.view",
        roles=STAFF_ROLES,
        refused=_("Only staff see the roster and the dispatch board."),
        description=_("See the roster and the dispatch board"),
    )
    policy.declare(
        "dispatch.plan_roster",
        roles=PLANNERS,
        refused=_("Only managers plan the duty roster."),
        description=_("Plan the duty roster"),
    )
    policy.declare(
        "dispatch.swap_shift",
        roles=PLANNERS,
        refused=_("Only managers record who takes over a shift."),
        description=_("Record who takes over a shift"),
    )
    policy.declare(
        "dispatch.edit_rules",
        roles={Role.ADMIN, Role.CENTRE_MANAGER, Role.DEPT_MANAGER},
        refused=_("Only administrators and department managers edit the assignment rules."),
        description=_("Edit the assignment rules"),
    )
    policy.declare(
        "dispatch.assign",
        roles=CASE_WORKERS,
        refused=_("Your role may not assign cases."),
        description=_("Assign a case to an engineer or a team"),
    )
    policy.declare(
        "dispatch.handle",
        roles=WORKERS,
        refused=_("Only engineers and managers record how a case is handled."),
        description=_("Record how a case is handled (A1/A2/A3)"),
    )
    policy.declare(
        "dispatch.authorise_remote",
        roles=WORKERS | {Role.HOTLINE},
        refused=_("Your role may not record a customer's authorisation."),
        description=_("Record a customer's authorisation for remote login"),
    )
    policy.declare(
        "dispatch.raise_tier",
        roles=WORKERS,
        refused=_("Only engineers and managers move a case between tiers."),
        description=_("Move a case between support tiers"),
    )
    policy.declare(
        "dispatch.vendor_case",
        roles=WORKERS,
        refused=_("Only engineers and managers open and update vendor cases."),
        description=_("Open and update vendor (TAC) and third-party cases"),
    )
    policy.declare(
        "dispatch.request_handover",
        roles=WORKERS | {Role.HOTLINE},
        refused=_("Your role may not hand a case over."),
        description=_("Hand a case over to another team"),
    )
    policy.declare(
        "dispatch.decide_handover",
        roles=DECIDERS,
        condition=_receives,
        refused=_("Only the receiving team or a manager accepts or refuses a handover."),
        description=_("Accept or refuse a handover"),
    )

"""What each role may do with cases, declared once in the permission policy (called from
`CasesConfig.ready`), and how a customer's scope narrows cases and their files.

The case workflow's moves are permissions too: each row of `cases.workflow.TRANSITIONS` names
its permission (`cases.accept`, `cases.close`, `cases.suspend.decide`, …), takes its roles from
`MOVES` below, and the engine asks the policy before it moves a case.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import CASE_WORKERS, CLOSERS, ENGINEERS, MANAGERS, STAFF_ROLES, Role

# Who handles a case: engineers of every level and the managers above them.
HANDLERS = ENGINEERS | MANAGERS

# The workflow's moves: permission → roles (the rows of the table in docs/cases.md).
MOVES: dict[str, frozenset[Role]] = {
    "cases.accept": HANDLERS,
    "cases.start": HANDLERS,
    "cases.wait_customer": HANDLERS,
    "cases.wait_vendor": HANDLERS,
    "cases.wait_parts": HANDLERS | {Role.PARTS_CLERK},
    "cases.resume": HANDLERS | {Role.PARTS_CLERK},
    "cases.suspend.decide": MANAGERS,
    "cases.unsuspend": HANDLERS,
    "cases.resolve": HANDLERS,
    "cases.close": CLOSERS,
    "cases.reopen": HANDLERS | CLOSERS | {Role.HOTLINE},
    "cases.reject": frozenset({Role.CUSTOMER}),
    "cases.cancel": MANAGERS | {Role.HOTLINE},
    "cases.merge": MANAGERS | {Role.HOTLINE},
}

MOVE_DESCRIPTIONS = {
    "cases.accept": _("Accept (签收) a new or reopened case"),
    "cases.start": _("Start work on an accepted case"),
    "cases.wait_customer": _("Put a case into waiting for the customer"),
    "cases.wait_vendor": _("Put a case into waiting for the vendor"),
    "cases.wait_parts": _("Put a case into RMA-Pend (waiting for parts)"),
    "cases.resume": _("Resume work on a waiting case"),
    "cases.suspend.decide": _("Decide a suspension request (approving suspends the case)"),
    "cases.unsuspend": _("Resume a suspended case"),
    "cases.resolve": _("Mark a case resolved"),
    "cases.close": _("Close a resolved case"),
    "cases.reopen": _("Reopen a resolved or closed case"),
    "cases.reject": _("Reject a resolution (the customer)"),
    "cases.cancel": _("Cancel a case"),
    "cases.merge": _("Merge a duplicate into another case"),
}

MOVE_REFUSED = _("Your role may not take this step on a case.")
CHANGE_REFUSED = _("Your role may not change cases.")


def _party_to(user, case) -> bool:
    """Staff who work cases may write on any case; a customer's contact only on a case they see."""
    if user.roles & CASE_WORKERS:
        return True
    from aftersales.cases.models import Case

    seen = policy.customer_scope(user)
    return (
        case is not None and seen.contact is not None and policy.scope(user, Case.objects.filter(pk=case.pk)).exists()
    )


def _contact_cases(cases, scope: policy.CustomerScope):
    from aftersales.cases.queries import cases_visible_to_contact

    return cases_visible_to_contact(scope.contact, cases)


def _contact_attachments(attachments, scope: policy.CustomerScope):
    from aftersales.cases.queries import cases_visible_to_contact

    return attachments.filter(case__in=cases_visible_to_contact(scope.contact), is_public=True)


def register() -> None:
    declare = policy.declare
    declare(
        "cases.queue_near_me",
        roles=ENGINEERS,
        refused=_("Only the service company's staff may see this."),
        description=_("Find the queue narrowed to their own region and team first"),
    )
    declare(
        "cases.read",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may see this."),
        description=_("See every case with its internal notes, files, clocks and staff names"),
    )
    declare(
        "cases.open",
        roles=CASE_WORKERS,
        refused=_("Your role may not take calls or open cases."),
        description=_("Take calls: open cases and consultations, take call-backs"),
    )
    declare(
        "cases.work",
        roles=CASE_WORKERS,
        refused=CHANGE_REFUSED,
        description=_("Change a case: assign, severity, details, acts, notes, files"),
    )
    declare(
        "cases.comment",
        roles=CASE_WORKERS | {Role.CUSTOMER},
        refused=CHANGE_REFUSED,
        condition=_party_to,
        description=_("Add a reply or files to a case (a customer's contact: a case they see)"),
    )
    declare(
        "cases.own",
        roles=STAFF_ROLES,
        refused=_("Only a staff member can own a case."),
        description=_("Be the owner of a case"),
    )
    declare(
        "cases.suspend.request",
        roles=HANDLERS,
        refused=_("Your role may not ask to suspend a case."),
        description=_("Ask to suspend (挂起) a case, with the customer's consent"),
    )
    for name, roles in MOVES.items():
        declare(name, roles=roles, refused=MOVE_REFUSED, description=MOVE_DESCRIPTIONS[name])

    from aftersales.cases.models import Attachment, Case

    policy.register_scope(Case, _contact_cases)
    policy.register_scope(Attachment, _contact_attachments)

"""Who may do what with visits and service reports, declared once to the policy
(`aftersales.accounts.policy`); pages, API and services all ask through it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import ENGINEERS, MANAGERS, STAFF_ROLES, Role

DISPATCH = "field.dispatch"
WORK = "field.work"
REPORT = "field.report"
CANCEL = "field.cancel"
VIEW = "field.view"
# Who can be sent on site (a dispatch form's choices, the check of whom a visit sends).
SENT = "field.be_sent"

# Engineers and managers dispatch (R4.8: the manager assigns; a specialist takes a colleague along).
DISPATCHERS = ENGINEERS | MANAGERS
# The duty and department managers cancel a visit that is not needed any more.
CANCELLERS = MANAGERS | {Role.EXECUTIVE}
# The visit's moves are the engineers' (each row of the visit table names them).
FIELD_ENGINEERS = ENGINEERS


def is_on_visit(user, visit) -> bool:
    """The engineer is one of the visit's engineers."""
    return visit is not None and visit.engineers.filter(pk=user.pk).exists()


def register() -> None:
    policy.declare(
        SENT,
        roles=ENGINEERS,
        refused=_("Only active engineers can be sent on site."),
        description=_("Be sent on site on a visit"),
    )
    policy.declare(
        DISPATCH,
        roles=DISPATCHERS,
        refused=_("Only engineers and managers may dispatch engineers to a site."),
        description=_("Dispatch engineers to a case's site"),
    )
    policy.declare(
        WORK,
        roles=ENGINEERS,
        condition=is_on_visit,
        refused=_("Only an engineer of this visit may record it."),
        description=_("Record departure, arrival, work and check-out of a visit"),
    )
    policy.declare(
        REPORT,
        roles=ENGINEERS,
        condition=is_on_visit,
        refused=_("Only an engineer of this visit may submit its service report."),
        description=_("Submit a signed service report"),
    )
    policy.declare(
        CANCEL,
        roles=CANCELLERS,
        refused=_("Only a manager may cancel a visit."),
        description=_("Cancel a planned visit"),
    )
    policy.declare(
        VIEW,
        roles=STAFF_ROLES,
        refused=_("You may not see visits."),
        description=_("See every visit and report (staff)"),
    )

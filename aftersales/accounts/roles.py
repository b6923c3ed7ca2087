"""The roles of the service desk. Each role is a Django group whose name is the role's code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer contact")
    HOTLINE = "hotline", _("Hotline agent")
    ENGINEER = "engineer", _("Engineer (L1)")
    SPECIALIST = "specialist", _("Field specialist (L2)")
    EXPERT = "expert", _("Expert centre (L3)")
    PARTS_CLERK = "parts_clerk", _("Parts clerk")
    DUTY_MANAGER = "duty_manager", _("Duty manager")
    DEPT_MANAGER = "dept_manager", _("Department manager")
    CENTRE_MANAGER = "centre_manager", _("Service-centre manager")
    EXECUTIVE = "executive", _("Executive")
    SALES = "sales", _("Sales (read-only)")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}
ENGINEERS = frozenset({Role.ENGINEER, Role.SPECIALIST, Role.EXPERT})
MANAGERS = frozenset({Role.DUTY_MANAGER, Role.DEPT_MANAGER, Role.CENTRE_MANAGER})
# Managers at or above the department manager: the only ones who may close a case (R4.6).
CLOSERS = frozenset({Role.DEPT_MANAGER, Role.CENTRE_MANAGER, Role.EXECUTIVE})
# Roles that may see every case but change none.
READ_ONLY = frozenset({Role.SALES})
# Roles that work cases: take calls, act on them.
CASE_WORKERS = frozenset({Role.HOTLINE, Role.PARTS_CLERK, Role.EXECUTIVE}) | ENGINEERS | MANAGERS

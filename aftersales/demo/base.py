"""What every part of the demo loader shares: the random seed, the report, get-or-create."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.contracts.models import ChargeStandard
    from aftersales.customers.models import Contact, Customer, ServiceOffice, Site
    from aftersales.dispatch.models import Team
    from aftersales.installed_base.models import Equipment, ProductModel

SEED = 20261122


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    cases_skipped: bool = False

    def add(self, label: str, created: bool) -> None:
        self.created[label] = self.created.get(label, 0) + int(created)


class LoaderBase:
    """The objects loaded so far, by their demo key, for the parts loaded after them."""

    def __init__(self, *, today: dt.date):
        self.today = today
        self.rng = random.Random(SEED)
        self.report = SeedReport()
        self.offices: dict[str, ServiceOffice] = {}
        self.customers: dict[str, Customer] = {}
        self.sites: dict[str, Site] = {}
        self.models: dict[str, ProductModel] = {}
        self.equipment: dict[str, Equipment] = {}
        self.standards: dict[str, ChargeStandard] = {}
        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self.contacts: dict[tuple[str, str], Contact] = {}

    def _get_or_create(self, model, label: str, /, defaults: dict | None = None, **lookup) -> Any:
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        self.report.add(label, created)
        return obj

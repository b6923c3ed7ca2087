"""The demo loader: each domain's part in order, then the cases if they are not there yet."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from aftersales.demo.base import SeedReport
from aftersales.demo.cases import CaseWriter, demo_cases_exist
from aftersales.demo.contracts import ContractsLoader
from aftersales.demo.customers import CustomersLoader
from aftersales.demo.dispatch import DispatchLoader
from aftersales.demo.field import FieldWriter
from aftersales.demo.installed_base import InstalledBaseLoader
from aftersales.demo.parts import PartsLoader
from aftersales.demo.people import PeopleLoader


def seed_demo(*, today: dt.date | None = None) -> SeedReport:
    """Load the demo data set; a second run changes nothing."""
    with transaction.atomic():
        return DemoLoader(today=today or timezone.localdate()).run()


class DemoLoader(CustomersLoader, InstalledBaseLoader, ContractsLoader, PeopleLoader, DispatchLoader, PartsLoader):
    def run(self) -> SeedReport:
        self.load_master_data()
        self.load_people()
        self.load_parts()
        if demo_cases_exist():
            self.report.cases_skipped = True
        else:
            CaseWriter(self).write_all()
            self.write_part_requests()
        FieldWriter(self).write()
        # After the cases: their history stays as it was written; the roster and rules are for now on.
        self.load_dispatch()
        return self.report

    def load_master_data(self) -> None:
        self.load_offices_and_customers()
        self.load_sites()
        self.load_products()
        self.load_equipment()
        self.load_contracts()

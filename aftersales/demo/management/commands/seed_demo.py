"""Load the demo data set (idempotent: a second run changes nothing)."""

import time

from django.core.management.base import BaseCommand

from aftersales.demo import load


class Command(BaseCommand):
    help = "Load the demo customers, installed base, contracts, staff log-ins and cases (safe to run again)."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = load()
        created = {name: count for name, count in report.created.items() if count}
        if created:
            summary = ", ".join(f"{count} {name}" for name, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already loaded; nothing to do.")
        if report.cases_skipped:
            self.stdout.write("Demo cases already present: no cases opened.")
        self.stdout.write(f"({time.monotonic() - started:.1f} s)")

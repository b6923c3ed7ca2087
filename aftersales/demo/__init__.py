"""The demo data set: customers, installed base, contracts, staff in every role, and cases.

Loaded by `manage.py seed_demo` through `load()`. Master data are created by natural key
(get_or_create), so a second run changes nothing; the cases are opened and worked only through
`cases.services` (numbers, timelines, entitlements and notifications are real) and only if the
demo cases are not there yet. Their past is settled when loaded: nothing it queued is sent as if
new. Dates are relative to today; everything else follows a fixed random seed.

One module per domain holds its part of the data and how it is loaded: `customers`,
`installed_base`, `contracts`, `people` (staff, teams, the log-ins), `cases`, `history` (the
settled past); `loading` puts them together. The demo is an entry point like the portal or the
API: it imports the domain apps, and nothing below it imports the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftersales.demo.base import SeedReport


def load(*, today: dt.date | None = None) -> SeedReport:
    """Load the demo data set in one transaction; a second run changes nothing."""
    # Imported here: the app's package is imported while Django loads the apps, before models.
    from aftersales.demo.loading import seed_demo

    return seed_demo(today=today)

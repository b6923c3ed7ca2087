"""API fixtures: a client per persona, by name; `None` is the anonymous caller."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(request):
    """api("engineer") → a client logged in as that persona; api(None) → anonymous."""

    def make(persona: str | None, **headers):
        client = APIClient(headers=headers or None)
        if persona is not None:
            client.force_login(request.getfixturevalue(persona))
        return client

    return make


class FuzzTally:
    """What the fuzz run sent: requests per persona and operation, answers per status."""

    def __init__(self):
        self.requests: Counter = Counter()
        self.statuses: Counter = Counter()
        self.unsent = 0
        self.first = self.last = 0.0

    def add(self, persona: str, operation: str, status: int | None) -> None:
        """`status` None: not sent, the time budget was spent."""
        self.last = time.perf_counter()
        self.first = self.first or self.last
        if status is None:
            self.unsent += 1
            return
        self.requests[persona, operation] += 1
        self.statuses[status] += 1

    def lines(self) -> list[str]:
        if not self.requests:
            return []
        operations = {operation for _persona, operation in self.requests}
        personas = sorted({persona for persona, _operation in self.requests})
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        return [
            f"{len(operations)} operations x {len(personas)} users ({', '.join(personas)}): "
            f"{sum(self.requests.values())} requests in {self.last - self.first:.0f} s",
            f"answers by status: {statuses}",
            *([f"not sent, the time budget (FUZZ_BUDGET) was spent: {self.unsent}"] if self.unsent else []),
        ]


_tally = FuzzTally()


@pytest.fixture(scope="session")
def fuzz_tally():
    return _tally


def pytest_sessionfinish(session):
    # Under xdist the fuzzing ran in a worker: its summary goes to the controller, which prints
    # it (tests/conftest.py; the controller collects no tests, so it never loads this file).
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_tally"] = _tally.lines()


def pytest_terminal_summary(terminalreporter):
    lines = _tally.lines()
    if lines:
        terminalreporter.section("API fuzzing (Schemathesis)")
        for line in lines:
            terminalreporter.write_line(line)

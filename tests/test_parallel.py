"""The suite runs on two xdist workers (`make test`): what must stay together does.

A fixture of ours wider than one test (a session's dovecot or chromium, a module's seeded var/
or demo data) would be built once per worker; its tests get one `xdist_group` instead, which
`--dist loadgroup` sends to one worker. Per-worker resources are numbered by the worker.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import pytest_itemcollected, shared_fixture_group
from tests.workers import worker_number


def _definition(scope: str, baseid: str) -> SimpleNamespace:
    return SimpleNamespace(scope=scope, baseid=baseid)


def _item(**fixtures: SimpleNamespace) -> SimpleNamespace:
    info = SimpleNamespace(names_closure=list(fixtures), name2fixturedefs={n: (d,) for n, d in fixtures.items()})
    return SimpleNamespace(_fixtureinfo=info, module=SimpleNamespace(__name__="tests.inbox.test_fetch"))


@pytest.mark.parametrize(
    ("fixtures", "group"),
    [
        ({"dovecot": _definition("session", "tests/inbox")}, "dovecot"),
        ({"chromium": _definition("session", "tests/browser"), "db": _definition("function", "")}, "chromium"),
        ({"seeded_var": _definition("module", "tests/test_make_run.py")}, "tests.inbox.test_fetch"),
        (
            {"seeded": _definition("module", "tests/x.py"), "dovecot": _definition("session", "tests/inbox")},
            "dovecot",
        ),
        ({"django_db_setup": _definition("session", ""), "tmp_path_factory": _definition("session", "")}, None),
        ({"case_a": _definition("function", "tests"), "settings": _definition("function", "")}, None),
    ],
    ids=["session-server", "session-among-plugins", "module-data", "session-wins", "plugins-only", "function-only"],
)
def test_tests_sharing_a_wide_fixture_of_ours_are_grouped(fixtures, group):
    assert shared_fixture_group(_item(**fixtures)) == group


@pytest.mark.parametrize(
    ("workerinput", "number"),
    [(None, 0), ({"workerid": "gw0"}, 0), ({"workerid": "gw1"}, 1), ({"workerid": "gw7"}, 7)],
)
def test_the_worker_number_comes_from_xdist(workerinput, number):
    config = SimpleNamespace(**({"workerinput": workerinput} if workerinput else {}))
    assert worker_number(config) == number


@pytest.mark.parametrize(
    "marks",
    [
        {"django_db": pytest.mark.django_db(transaction=True)},
        {"django_db": pytest.mark.django_db(True)},
    ],
    ids=["transaction-keyword", "transaction-positional"],
)
def test_transactional_tests_are_never_grouped(marks):
    """xdist runs groups first; a transactional test's closing flush must stay at the end."""
    item = _item(chromium=_definition("session", "tests/browser"))
    item.fixturenames = ["chromium", "live_server"] if not marks else ["chromium"]
    item.get_closest_marker = lambda name: marks.get(name).mark if name in marks else None
    added = []
    item.add_marker = added.append
    pytest_itemcollected(item)
    assert added == []


def test_a_read_only_test_sharing_a_server_is_grouped():
    item = _item(dovecot=_definition("session", "tests/inbox"))
    item.fixturenames = ["dovecot", "db"]
    item.get_closest_marker = lambda name: pytest.mark.django_db.mark if name == "django_db" else None
    added = []
    item.add_marker = added.append
    pytest_itemcollected(item)
    assert [mark.mark.args for mark in added] == [("dovecot",)]


@pytest.mark.django_db
def test_each_worker_has_a_database_of_its_own(request):
    """On PostgreSQL under xdist the test database's name ends in the worker's id
    (TEST_DATABASE_NAME=test_x → test_x_gw1); SQLite's in-memory database is per process."""
    from django.db import connection

    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if worker is None or connection.vendor != "postgresql":
        pytest.skip("only meaningful for xdist workers on PostgreSQL")
    assert connection.settings_dict["NAME"].endswith(f"_{worker}")

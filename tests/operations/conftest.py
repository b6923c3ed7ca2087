from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *, tmp_path: Path, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with the project's settings and its own var/ folder;
    the variables given replace the test run's (REDIS_URL and LOG_FORMAT start unset)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR"}
    }
    environment.update(AFTERSALES_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="aftersales.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=timeout, cwd=ROOT
    )


@pytest.fixture
def isolated_queue(monkeypatch, tmp_path):
    """A Huey queue of the test's own (SQLite in tmp_path), so counts are not shared."""
    from huey import SqliteHuey
    from huey.contrib import djhuey

    queue = SqliteHuey("aftersales-test", filename=str(tmp_path / "queue.sqlite3"))
    monkeypatch.setattr(djhuey, "HUEY", queue)
    return queue

"""The example deployment under deploy/ runs what the project has: commands, module, limits.

docs/operations.md points at these files; a renamed command, a moved WSGI module or a larger
upload limit must fail here rather than on a server.
"""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
NGINX = (DEPLOY / "nginx" / "aftersales.conf").read_text()


def unit_commands(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1]) for line in unit.read_text().splitlines() if line.startswith("ExecStart=")
    ]


def procfile() -> dict[str, list[list[str]]]:
    processes = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name] = [shlex.split(part) for part in command.split("&&")]
    return processes


def all_commands() -> list[list[str]]:
    commands = [command for unit in UNITS for command in unit_commands(unit)]
    return commands + [command for commands in procfile().values() for command in commands]


def gunicorn_option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_every_unit_and_process_is_there():
    assert [unit.name for unit in UNITS] == [
        "aftersales-migrate.service",
        "aftersales-web.service",
        "aftersales-worker.service",
    ]
    assert set(procfile()) == {"release", "web", "worker"}


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c[-3:]))
def test_every_manage_py_command_exists(command):
    programs = [Path(word).name for word in command]
    if "manage.py" not in programs:
        assert Path(command[0]).name == "gunicorn"
        return
    name = command[programs.index("manage.py") + 1]
    assert name in get_commands(), f"manage.py {name}"


def test_gunicorn_serves_the_projects_wsgi_application():
    for command in all_commands():
        if Path(command[0]).name == "gunicorn":
            module, _, attribute = command[1].partition(":")
            assert callable(getattr(importlib.import_module(module), attribute or "application"))


def test_the_worker_runs_the_huey_consumer_and_migrations_run_once_per_deployment():
    worker = unit_commands(DEPLOY / "systemd" / "aftersales-worker.service")
    assert [c[1:3] for c in worker] == [["manage.py", "run_huey"]]
    migrate = [c[1:3] for c in unit_commands(DEPLOY / "systemd" / "aftersales-migrate.service")]
    assert ["manage.py", "migrate"] in migrate
    assert "Type=oneshot" in (DEPLOY / "systemd" / "aftersales-migrate.service").read_text()
    assert ["python", "manage.py", "migrate", "--noinput"] in procfile()["release"]


def test_web_and_worker_are_the_same_in_the_units_and_the_procfile():
    web = unit_commands(DEPLOY / "systemd" / "aftersales-web.service")[0]
    worker = unit_commands(DEPLOY / "systemd" / "aftersales-worker.service")[0]
    for unit_command, process in ((web, procfile()["web"][0]), (worker, procfile()["worker"][0])):
        unit_args = [word for word in unit_command[1:] if word != "--forwarded-allow-ips" and word != "127.0.0.1"]
        process_args = [word for word in process[1:] if not word.startswith("0.0.0.0:")]
        unit_args = [word for word in unit_args if not word.startswith("127.0.0.1:")]
        assert unit_args == process_args


def test_nginx_lets_the_largest_attachment_through():
    size = re.search(r"client_max_body_size (\d+)m;", NGINX)
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 >= settings.ATTACHMENT_MAX_BYTES + 1024 * 1024


def test_nginx_waits_longer_than_gunicorn():
    web = unit_commands(DEPLOY / "systemd" / "aftersales-web.service")[0]
    timeout = int(gunicorn_option(web, "--timeout"))
    read = re.search(r"proxy_read_timeout (\d+)s;", NGINX)
    assert read is not None and int(read.group(1)) > timeout


def test_nginx_passes_on_the_client_address_and_the_scheme():
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    assert "proxy_set_header Host $host;" in NGINX


def test_nginx_serves_the_static_files_where_collectstatic_puts_them():
    alias = re.search(rf"location {re.escape(settings.STATIC_URL)} {{\s*alias ([^;]+);", NGINX)
    assert alias is not None
    assert alias.group(1).rstrip("/").endswith("var/static")
    assert Path(settings.STATIC_ROOT) == Path(settings.VAR_DIR) / "static"


def test_the_settings_named_in_the_deployment_exist():
    """Every variable the nginx file and the operations page ask to set is one .env.example lists."""
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    named = set(re.findall(r"\b([A-Z][A-Z0-9_]{3,})=", NGINX))
    operations = ROOT / "docs" / "operations.md"
    section = operations.read_text().split("\n## ", 2)[1]
    named |= set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", section))
    assert named and named <= listed, named - listed

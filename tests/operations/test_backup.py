"""`manage.py backup` then `manage.py restore` into an empty database (PostgreSQL: a database
of its own; SQLite: a new file) and empty file storage: every row, case, timeline entry and
attachment comes back identical. Runs on the database the suite runs on (DATABASE_URL)."""

from __future__ import annotations

import os
import sqlite3
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent
from aftersales.operations.backup import MANIFEST, read_manifest
from tests.operations.conftest import run_python

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RESTORE = """
from django.core.management import call_command
import django
django.setup()
call_command("restore", {archive!r})
"""


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def history(open_case, customer_a, customer_b, equipment_a, equipment_b, engineer):
    """Two customers' cases with notes, replies and files (one name used twice)."""
    first = open_case(customer_a, equipment=equipment_a, attachments=[_upload("故障照片.jpg", os.urandom(70_000))])
    second = open_case(customer_b, equipment=equipment_b, title="柜员终端蓝屏")
    services.add_comment(
        case=first, by=engineer, text="已远程检查。", public=True, attachments=[_upload("log.txt", b"line 1\nline 2\n")]
    )
    services.add_comment(
        case=second, by=engineer, text="内部备注", public=False, attachments=[_upload("log.txt", os.urandom(5_000))]
    )
    assert Attachment.objects.count() == 3 and CaseEvent.objects.count() >= 4
    return [first, second]


def _rows_sqlite(db, tables) -> dict[str, list[str]]:
    return {table: sorted(map(repr, db.execute(f'SELECT * FROM "{table}"').fetchall())) for table in tables}


def _rows_postgresql(cursor, tables) -> dict[str, list[str]]:
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')
        rows[table] = [text for (text,) in cursor.fetchall()]
    return rows


@pytest.fixture
def restore_target(tmp_path):
    """An empty database for the restore, on the same kind of server as the suite's."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield (
            f"sqlite:///{path}",
            lambda tables: _rows_sqlite(
                sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES), tables
            ),
        )
        return
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"[:63]
    server = f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    def read(tables):
        with psycopg.connect(f"{server}/{name}") as restored:
            return _rows_postgresql(restored.cursor(), tables)

    yield f"{server}/{name}", read
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _source_rows(tables):
    if connection.vendor == "sqlite":
        return _rows_sqlite(connection.connection, tables)
    with connection.cursor() as cursor:
        return _rows_postgresql(cursor, tables)


def test_a_backup_restored_into_an_empty_database_has_every_row_and_file(history, tmp_path, settings, restore_target):
    url, restored_rows = restore_target
    archive = tmp_path / "nightly.tar"

    call_command("backup", str(archive))

    with tarfile.open(archive) as opened:
        manifest = read_manifest(opened)
    assert manifest["database"]["vendor"] == connection.vendor
    assert sorted(f["name"] for f in manifest["files"]) == sorted(a.file.name for a in Attachment.objects.all())

    media = tmp_path / "restored-media"
    result = run_python(
        RESTORE.format(archive=str(archive)), tmp_path=tmp_path, DATABASE_URL=url, MEDIA_ROOT=str(media)
    )
    assert result.returncode == 0, result.stderr

    tables = connection.introspection.table_names()
    source, restored = _source_rows(tables), restored_rows(tables)
    for table in ("cases_case", CaseEvent._meta.db_table, "cases_attachment"):  # cases, timeline, files
        assert source.get(table) and restored[table] == source[table], table
    assert restored == source  # every other table too
    for attachment in Attachment.objects.all():
        original = Path(settings.MEDIA_ROOT) / attachment.file.name
        assert (media / attachment.file.name).read_bytes() == original.read_bytes(), attachment.name
    assert Case.objects.count() == 2


def test_restore_refuses_a_database_that_is_not_empty(history, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    call_command("backup", str(archive))

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
    assert Case.objects.count() == 2


def test_a_file_missing_from_the_storage_is_reported_and_the_rest_kept(history, tmp_path, settings, capsys):
    lost = Attachment.objects.order_by("pk").first()
    (Path(settings.MEDIA_ROOT) / lost.file.name).unlink()
    archive = tmp_path / "nightly.tar"

    call_command("backup", str(archive))

    output = capsys.readouterr()
    assert lost.file.name in output.err and "2 files" in output.out and "1 missing" in output.out
    with tarfile.open(archive) as opened:
        assert MANIFEST in opened.getnames() and len(read_manifest(opened)["files"]) == 2

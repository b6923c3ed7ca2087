"""One archive holding the database and every stored file it refers to, and its restore into
an empty database (`manage.py backup`, `manage.py restore`; docs/operations.md).

Consistency: the database is copied first, as one snapshot (PostgreSQL: `pg_dump` in a
snapshot exported by our own REPEATABLE READ transaction; SQLite: the online backup API into
a copy). The file names are then read *from that same snapshot*, and each file is copied
through its field's storage (the file system or S3 alike). Stored files are never rewritten in
place and every referenced one exists before its row commits, so every file the copy refers to
can be read afterwards, whatever was written meanwhile; later uploads are simply not in it.

The archive is a tar: `database.pgdump` or `database.sqlite3`, `files/<n>` and, last,
`manifest.json` (what each file is, its size and SHA-256, checked again on restore).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.db import connection, models, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class StoredFile:
    member: str  # files/<n> in the archive
    field: str  # app_label.Model.field, whose storage holds it
    name: str  # the name the rows refer to
    size: int
    sha256: str


@dataclass
class Summary:
    path: Path
    vendor: str
    files: int
    bytes: int
    missing: list[str]


# --- which files the database refers to ----------------------------------------------------------


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every concrete file field of every model (attachments, generated documents, …)."""
    return [
        (model, field)
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def field_label(model: type[models.Model], field: models.FileField) -> str:
    return f"{model._meta.label}.{field.name}"


def referenced_files(cursor) -> list[tuple[str, str]]:
    """(field label, file name) of every file the rows visible to `cursor` refer to, once each."""
    found: list[tuple[str, str]] = []
    for model, field in file_fields():
        table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
        cursor.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")
        found += sorted((field_label(model, field), name) for (name,) in cursor.fetchall())
    return found


def storage_of(label: str):
    app_model, _dot, field_name = label.rpartition(".")
    return apps.get_model(app_model)._meta.get_field(field_name).storage


# --- the database, as one snapshot ------------------------------------------------------------


def _pg_arguments() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    arguments = []
    if settings.get("HOST"):
        arguments += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        arguments += ["--username", str(settings["USER"])]
    environment = {**os.environ}
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings["PASSWORD"])
    if (settings.get("OPTIONS") or {}).get("sslmode"):
        environment["PGSSLMODE"] = settings["OPTIONS"]["sslmode"]
    return [*arguments, "--dbname", str(settings["NAME"])], environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client; `make pg-client`)"
        )
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_postgresql(target: Path) -> list[tuple[str, str]]:
    arguments, environment = _pg_arguments()
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump reads the very snapshot this transaction holds; so do the file names below.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*command, "--file", str(target), *arguments], environment)
        return referenced_files(cursor)


def _dump_sqlite(target: Path) -> list[tuple[str, str]]:
    if connection.in_atomic_block:
        # SQLite refuses to copy from a connection that is writing, and Python retries forever.
        raise BackupError("a backup runs outside any transaction")
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        return referenced_files(copy.cursor())
    finally:
        copy.close()


def dump_database(target: Path) -> tuple[str, list[tuple[str, str]]]:
    vendor = connection.vendor
    if vendor == "postgresql":
        return vendor, _dump_postgresql(target)
    if vendor == "sqlite":
        return vendor, _dump_sqlite(target)
    raise BackupError(f"backing up a {vendor} database is not supported")


# --- the archive --------------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """Reads through a file, hashing what passes."""

    def __init__(self, source) -> None:
        self.source, self.digest, self.count = source, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


def _add_bytes(archive: tarfile.TarFile, member: str, data: bytes) -> None:
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
    archive.addfile(info, io.BytesIO(data))


def _add_stored(archive: tarfile.TarFile, member: str, label: str, name: str) -> StoredFile:
    storage = storage_of(label)
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = storage.size(name), int(timezone.now().timestamp()), 0o600
    with storage.open(name, "rb") as stored:
        reader = _Hashing(stored)
        archive.addfile(info, reader)
    return StoredFile(member=member, field=label, name=name, size=reader.count, sha256=reader.digest.hexdigest())


def create_backup(path: Path) -> Summary:
    """Write the archive to `path` (a `.tar`, or `.tar.gz` to compress): the database as one
    snapshot, then every file that snapshot refers to. Written beside `path` and renamed at
    the end, so `path` is either complete or absent. A referenced file that the storage no
    longer has is listed in the summary and the manifest, and the backup still completes."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="aftersales-backup-") as work:
        dump = Path(work) / "database"
        vendor, referenced = dump_database(dump)
        files: list[StoredFile] = []
        missing: list[str] = []
        mode = "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"
        with tarfile.open(partial, mode) as archive:  # type: ignore[call-overload]
            archive.add(dump, arcname=DUMPS[vendor])
            for label, name in referenced:
                if not storage_of(label).exists(name):
                    missing.append(f"{label}: {name}")
                    continue
                files.append(_add_stored(archive, f"files/{len(files)}", label, name))
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": vendor, "member": DUMPS[vendor]},
                "files": [asdict(stored) for stored in files],
                "missing": missing,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    os.replace(partial, path)
    return Summary(path, vendor, len(files), sum(f.size for f in files), missing)


def default_name(now: dt.datetime | None = None) -> str:
    return f"aftersales-backup-{(now or timezone.now()).astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.tar"


# --- restore ----------------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))  # type: ignore[arg-type]
    except (KeyError, ValueError) as error:
        raise BackupError(f"not a backup archive of this application (no readable {MANIFEST}): {error}")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"archive format {manifest.get('format')!r} is not {FORMAT}")
    return manifest


def ensure_empty_database() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables): "
            "restore into a new, empty database (do not run migrate first)"
        )


@contextmanager
def _extracted(archive: tarfile.TarFile, member: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="aftersales-restore-") as work:
        target = Path(work) / "database"
        with archive.extractfile(member) as source, open(target, "wb") as copy:  # type: ignore[union-attr]
            shutil.copyfileobj(source, copy, CHUNK)
        yield target


def restore_database(archive: tarfile.TarFile, manifest: dict) -> None:
    vendor, member = manifest["database"]["vendor"], manifest["database"]["member"]
    if vendor != connection.vendor:
        raise BackupError(f"the archive holds a {vendor} database; DATABASE_URL points at {connection.vendor}")
    ensure_empty_database()
    with _extracted(archive, member) as dump:
        if vendor == "postgresql":
            arguments, environment = _pg_arguments()
            command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            _run([*command, *arguments, str(dump)], environment)
        else:
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
    connection.close()


def _sha256_of(source) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def restore_files(archive: tarfile.TarFile, manifest: dict) -> int:
    """Put every file back under its own name, checking size and SHA-256; a file already
    there with the same content is left alone, a different one is an error."""
    restored = 0
    for entry in manifest["files"]:
        stored = StoredFile(**entry)
        with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as copy:
            reader = _Hashing(archive.extractfile(stored.member))
            shutil.copyfileobj(reader, copy, CHUNK)
            if reader.count != stored.size or reader.digest.hexdigest() != stored.sha256:
                raise BackupError(f"{stored.name}: the archive's copy is damaged (size or SHA-256 differ)")
            storage = storage_of(stored.field)
            if storage.exists(stored.name):
                with storage.open(stored.name, "rb") as present:
                    if _sha256_of(present) == stored.sha256:
                        continue
                raise BackupError(f"{stored.name} already exists in the storage with other content")
            copy.seek(0)
            saved = storage.save(stored.name, File(copy, name=stored.name))
        if saved != stored.name:
            raise BackupError(f"{stored.name} was stored as {saved}")
        restored += 1
    return restored


def restore_backup(path: Path) -> tuple[dict, int]:
    """Restore the archive at `path` into the configured, empty database, then its files."""
    with tarfile.open(path, "r:*") as archive:
        manifest = read_manifest(archive)
        restore_database(archive, manifest)
        return manifest, restore_files(archive, manifest)

"""`manage.py restore ARCHIVE`: a backup into an empty database, then its files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore an archive of `manage.py backup` into the (empty) database of DATABASE_URL and its files."
    # The database is empty: there is nothing to check against yet.
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive written by `manage.py backup`")

    def handle(self, *args, archive, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{path}: no such archive")
        try:
            manifest, restored = restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error))
        self.stdout.write(
            f"restored the {manifest['database']['vendor']} database of {manifest['created_at']} "
            f"and {restored} files; now run `manage.py migrate` if this code is newer than the backup"
        )

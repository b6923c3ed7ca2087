"""`manage.py backup [PATH]`: the database and every file it refers to, in one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.operations.backup import BackupError, create_backup, default_name


class Command(BaseCommand):
    help = "Write one archive with the database (one snapshot) and every stored file it refers to."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="the archive to write (.tar, or .tar.gz to compress); default: in the current folder",
        )

    def handle(self, *args, path=None, **options):
        target = Path(path or default_name())
        if target.exists():
            raise CommandError(f"{target} exists already; name another archive")
        try:
            summary = create_backup(target)
        except BackupError as error:
            raise CommandError(str(error))
        for missing in summary.missing:
            self.stderr.write(f"warning: referenced but missing from the storage: {missing}")
        self.stdout.write(
            f"{summary.path}: {summary.vendor} database, {summary.files} files ({summary.bytes} bytes)"
            + (f", {len(summary.missing)} missing" if summary.missing else "")
        )

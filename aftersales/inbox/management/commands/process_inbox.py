from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.inbox.fetch import fetch_mailbox, process_inbox
from aftersales.inbox.models import Mailbox
from aftersales.inbox.services import ingest


class Command(BaseCommand):
    help = "Fetch new mail from the active mailboxes now (the worker does it every minute), or read .eml files."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="only this mailbox (by name)")
        parser.add_argument("files", nargs="*", help="raw messages (.eml) to process instead of fetching")

    def handle(self, *args, mailbox=None, files=(), **options):
        if files:
            for name in files:
                result = ingest(Path(name).read_bytes())
                self.stdout.write(f"{name}: {result.outcome} {result.message.reason.splitlines()[0:1]}")
            return
        if mailbox:
            box = Mailbox.objects.filter(name=mailbox).first()
            if box is None:
                raise CommandError(f"no mailbox named {mailbox!r}")
            report = {box.name: dict(fetch_mailbox(box))}
        else:
            report = process_inbox()
        for name, counts in report.items():
            summary = ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "nothing new"
            self.stdout.write(f"{name}: {summary}")

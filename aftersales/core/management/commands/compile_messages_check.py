"""Check the Chinese catalogue is complete (no untranslated or fuzzy entries) and compile it.

Pure Python (polib): GNU gettext is needed only to extract strings (`make messages`).
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fail on untranslated or fuzzy strings in the zh_Hans catalogue; with --compile write the .mo files."

    def add_arguments(self, parser):
        parser.add_argument("--compile", action="store_true", help="write .mo files next to the .po files")

    def handle(self, *args, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                untranslated = [e.msgid for e in catalogue.untranslated_entries()]
                fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
                for msgid in untranslated:
                    problems.append(f"{po_path}: untranslated: {msgid!r}")
                for msgid in fuzzy:
                    problems.append(f"{po_path}: fuzzy: {msgid!r}")
                if options["compile"]:
                    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        if problems:
            raise CommandError("Catalogue incomplete:\n" + "\n".join(problems[:50]))
        self.stdout.write("catalogue complete")

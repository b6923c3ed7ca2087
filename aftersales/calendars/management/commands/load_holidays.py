"""Load the public holidays and make-up working days of some years from chinese-calendar.

    manage.py load_holidays                # every year the installed package knows
    manage.py load_holidays --year 2027    # one year (repeat --year for several)

Days already in the table (entered or changed by an administrator) are left as they are. A
year the installed package does not know is refused with what to do instead: upgrade the
package (`pip install -U chinese-calendar`) or enter the days by hand in the administration.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aftersales.calendars.services import package_years, sync_public_holidays


class Command(BaseCommand):
    help = "Load public holidays and make-up working days from the installed chinese-calendar package."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="a year to load (repeatable)")

    def handle(self, *args, years=None, **options):
        known = package_years()
        unknown = sorted(set(years or ()) - known)
        if unknown:
            raise CommandError(
                _(
                    "The installed chinese-calendar does not know %(years)s (it knows %(first)s–%(last)s). "
                    "Upgrade it (pip install -U chinese-calendar) once a version with those years is out, "
                    "or enter the days by hand in the administration: Holidays and make-up days."
                )
                % {"years": ", ".join(map(str, unknown)), "first": min(known), "last": max(known)}
            )
        added = sync_public_holidays(years=years)
        self.stdout.write(_("%(count)s days added.") % {"count": added})

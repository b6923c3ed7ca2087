from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "aftersales.calendars"
    label = "calendars"
    verbose_name = _("Business calendars")

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from aftersales.calendars.checks import holiday_years_check
        from aftersales.calendars.models import HolidayDay
        from aftersales.calendars.queries import forget_holidays

        for signal in (post_save, post_delete):
            signal.connect(forget_holidays, sender=HolidayDay, dispatch_uid=f"forget-holidays-{signal}")
        checks.register(holiday_years_check)

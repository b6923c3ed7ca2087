from django.contrib import admin, messages
from django.utils import timezone

from aftersales.calendars.holiday_years import missing_holiday_years
from aftersales.calendars.models import BusinessCalendar, HolidayDay


class MissingHolidaysBanner(admin.ModelAdmin):
    """The list pages say when a year's public holidays are missing (or soon due)."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":  # not again on the page an action redirects to
            missing = missing_holiday_years(timezone.localdate())
            if missing.overdue:
                self.message_user(request, missing.message, level=messages.WARNING)
            if missing.upcoming:
                self.message_user(request, missing.note, level=messages.INFO)
        return super().changelist_view(request, extra_context)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(MissingHolidaysBanner, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "hours", "time_zone"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(HolidayDay)
class HolidayDayAdmin(MissingHolidaysBanner, admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"

from django.contrib import admin

from aftersales.calendars.models import BusinessCalendar, HolidayDay


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "hours", "time_zone"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(HolidayDay)
class HolidayDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"

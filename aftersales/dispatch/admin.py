from django.contrib import admin

from aftersales.dispatch.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "manager"]
    list_filter = ["tier"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

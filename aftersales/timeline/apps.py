from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "aftersales.timeline"
    label = "timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from aftersales.timeline import permissions

        permissions.register()

        from aftersales.timeline import registry, rendering, services

        registry.register(services.CREATED, label=_("Created"), changes=rendering.saved_row_changes)
        registry.register(services.CHANGED, label=_("Changed"), changes=rendering.saved_row_changes)

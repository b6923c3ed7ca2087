from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from aftersales.sla import permissions

        permissions.register()

        from aftersales.sla import holidays, moments, notices, services

        notices.register()
        holidays.register()
        services.register()
        moments.register()

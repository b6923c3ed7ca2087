from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "aftersales.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring alarms")

    def ready(self) -> None:
        from aftersales.monitoring import permissions

        permissions.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "aftersales.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from aftersales.operations import joblog

        joblog.register()

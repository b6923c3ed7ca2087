from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "aftersales.reports"
    label = "reports"
    verbose_name = _("Reports and KPIs")

    def ready(self) -> None:
        from aftersales.reports import permissions

        permissions.register()
        permissions.register_scopes()

        from aftersales.reports import service_reports

        service_reports.register()

        from aftersales.reports import background

        background.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "aftersales.portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from aftersales.portal import notices

        notices.register()

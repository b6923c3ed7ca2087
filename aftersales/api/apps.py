from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "aftersales.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from aftersales.api import permissions, schema  # noqa: F401  (schema registers the token scheme)

        permissions.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data set and the commands that load it, list its log-ins and run the demo."""

    name = "aftersales.demo"
    label = "demo"
    verbose_name = _("Demo")

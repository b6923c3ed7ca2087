from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftersales.parts"
    label = "parts"
    verbose_name = _("Spare parts and RMA")

    def ready(self) -> None:
        from aftersales.parts import deadlines, documents, events, notices, permissions, services

        permissions.register()
        documents.register()
        notices.register()
        events.register()
        deadlines.register()
        services.register_approvals()
        services.connect_signals()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "aftersales.field"
    label = "field"
    verbose_name = _("Field service")

    def ready(self) -> None:
        from aftersales.field import documents, events, notices, permissions
        from aftersales.field.models import ServiceReport, Visit
        from aftersales.timeline.services import protect_subjects

        permissions.register()
        notices.register()
        documents.register()
        events.register()
        protect_subjects(Visit, ServiceReport)

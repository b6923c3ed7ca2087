from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "aftersales.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from aftersales.cases import permissions

        permissions.register()

        from aftersales.cases import documents, events, live, notices
        from aftersales.cases.models import Case
        from aftersales.timeline.services import protect_subjects

        notices.register()

        documents.register()
        events.register()
        protect_subjects(Case)
        live.follow()

        from aftersales.cases.services import register_suspension_approval

        register_suspension_approval()

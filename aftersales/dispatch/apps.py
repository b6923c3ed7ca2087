from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "aftersales.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from aftersales.cases.models import Case
        from aftersales.cases.queries import register_area_source
        from aftersales.cases.signals import case_opened
        from aftersales.dispatch import deadlines, events, live, notices, permissions, queries
        from aftersales.dispatch.models import Shift
        from aftersales.dispatch.services import assignment, tiers
        from aftersales.timeline.services import protect_subjects

        permissions.register()
        notices.register()
        events.register_kinds()
        tiers.register()
        register_area_source(queries.near)
        deadlines.register()
        live.follow()
        protect_subjects(Shift)
        case_opened.connect(assignment.on_case_opened, dispatch_uid="dispatch-propose-owner")
        post_save.connect(deadlines.on_case_saved, sender=Case, dispatch_uid="dispatch-assignment-deadline")

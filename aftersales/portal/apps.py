from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "aftersales.portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from aftersales.portal import notices

        notices.register()

        from aftersales.portal.services import register_registration_approval

        register_registration_approval()

        from aftersales.portal import services
        from aftersales.portal.models import Registration
        from aftersales.timeline.registry import register
        from aftersales.timeline.rendering import model_changes

        register(
            services.REGISTRATION_REQUESTED, label=_("Portal access requested"), changes=model_changes(Registration)
        )
        register(services.REGISTRATION_DECIDED, label=_("Portal access decided"), changes=model_changes(Registration))

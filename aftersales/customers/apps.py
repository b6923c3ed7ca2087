from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "aftersales.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from aftersales.customers import permissions

        permissions.register()

        from aftersales.customers import access
        from aftersales.customers.models import Contact
        from aftersales.timeline.registry import register
        from aftersales.timeline.rendering import model_changes

        access.register()
        register(access.INVITED, label=_("Invited to the customer portal"), changes=model_changes(Contact))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from aftersales.notifications import permissions

        permissions.register()

        # The senders' backends are imported here, once, in the main thread. Left to the first
        # send, two worker threads importing the same module at once can fail in the import
        # machinery ("No module named 'django.core.mail.backends'"); a bad path fails at start.
        from django.conf import settings
        from django.utils.module_loading import import_string

        from aftersales.notifications.senders import SMS_BACKENDS

        import_string(settings.EMAIL_BACKEND)
        if settings.NOTIFY_SMS_BACKEND not in SMS_BACKENDS:
            import_string(settings.NOTIFY_SMS_BACKEND)

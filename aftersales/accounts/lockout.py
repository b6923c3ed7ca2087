"""Log-in lock-out (django-axes): who is locked, what they are told, how they get back.

An account is locked after AXES_FAILURE_LIMIT failed log-ins from anywhere, and an address
after as many failures on any accounts; both for AXES_COOLOFF_TIME. Administrators lift a
lock early in the administration (user list: "Unlock log-in", or the access attempts) or
with `manage.py axes_reset`. docs/security.md.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked account or address before any password is checked.

    Without a request there is no client to count (a management command, the test client's
    `login()`); such calls are left to the next backend, which checks the password as usual.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, except what a successful log-in forgets.

    Axes would forget every failure of the account *and* every failure from the address, so a
    guesser could wipe the count against someone else's account by logging into their own
    from the same address in between. Here a successful log-in forgets only the failures of
    that account from that address: the person's own typing errors.
    """

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


def attempted_username(request, credentials: dict | None) -> str:
    """The account a log-in names, compared without case or surrounding spaces, so that
    "Zhang@Hospital-A.cn " counts against the same account as "zhang@hospital-a.cn"."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return (username or "").strip().lower()


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed log-ins. This account or address is locked for %(minutes)d minute; "
        "try again later, or ask an administrator to unlock it.",
        "Too many failed log-ins. This account or address is locked for %(minutes)d minutes; "
        "try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the log-in form while locked (HTTP 429), in the portal's look
    for the portal and the staff pages' look otherwise."""
    template = "portal/locked_out.html" if request.path.startswith("/portal/") else "accounts/locked_out.html"
    context = {"message": lockout_message(), "title": _("Log-in locked")}
    return render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.middleware import LANGUAGE_COOKIE
from aftersales.core.redirects import safe_next_url


@login_required
def home(request):
    if request.user.is_customer_contact:
        return redirect("portal:home")
    return redirect("case_list")


@require_POST
def set_language(request):
    """Switch the interface language; stored on the user (and in a cookie for the login page)."""
    language = request.POST.get("language", "")
    supported = {code for code, _name in settings.LANGUAGES}
    response = HttpResponseRedirect(safe_next_url(request, "/"))
    if language in supported:
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


class PasswordChange(PasswordChangeView):
    """Change one's own password: the old one first, the new one checked by the password
    policy (AUTH_PASSWORD_VALIDATORS: length, common passwords, likeness to the account,
    digits only)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)

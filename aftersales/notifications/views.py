"""The staff member's own notification preferences (/account/notifications/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.notifications.forms import PreferenceForm
from aftersales.notifications.models import NotificationPreference
from aftersales.notifications.services import save_preferences


@login_required
def preferences(request):
    if not policy.allowed(request.user, "notifications.receive"):
        raise PermissionDenied
    row = NotificationPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(request.POST or None, initial=PreferenceForm.initial_for(row))
    if request.method == "POST" and form.is_valid():
        save_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "email": request.user.email, "phone": request.user.phone},
    )

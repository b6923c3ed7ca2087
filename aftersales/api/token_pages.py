"""The staff page where each person makes and revokes their own API tokens (/account/tokens/).

A page over the API's tokens, so it lives with them: accounts (the kernel) imports no entry point.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token, revoke_token
from aftersales.core.errors import DomainError

MAX_ACTIVE_TOKENS = 20


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What the token is for, e.g. “monitoring”.")
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )


@login_required
def token_list(request):
    """The person's own tokens; POST makes one, whose key is shown in this answer and never again."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        new_key = _create_token(request, form)
        if new_key:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    response = render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})
    response["Cache-Control"] = "no-store"  # the key must not linger in a cache or the history
    return response


def _create_token(request, form) -> str | None:
    if ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        form.add_error(None, _("You have %(count)d active tokens; revoke one first.") % {"count": MAX_ACTIVE_TOKENS})
        return None
    try:
        new = create_token(user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"])
    except DomainError as error:
        for field, errors in error.fields.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return None
    return new.key


@login_required
def token_revoke(request, pk: int):
    """GET asks for confirmation, POST revokes. Someone else's token is a 404, like a missing one."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "POST":
        revoke_token(token=token)
        messages.success(
            request, _("Token “%(name)s” revoked; programs using it are refused from now on.") % {"name": token.name}
        )
        return redirect("account_tokens")
    return render(request, "accounts/token_revoke.html", {"token": token})

"""API tokens: made once, stored hashed, checked on every request."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from aftersales.api.models import ApiToken
from aftersales.core.errors import DomainError

KEYWORD = "Token"
PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown to the person once; never stored


@transaction.atomic
def create_token(*, user, name: str, scope: str = ApiToken.Scope.READ) -> NewToken:
    """Make a token for `user`. Returns the key in clear once; only its hash is kept."""
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Unknown scope."), fields={"scope": [_("Choose read or read_write.")]})
    if not name.strip():
        raise DomainError(_("Please name the token."), fields={"name": [_("This field is required.")]})
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name.strip(), prefix=prefix, key_hash=hash_key(key), scope=scope)
    return NewToken(token=token, key=key)


@transaction.atomic
def revoke_token(*, token: ApiToken) -> ApiToken:
    """Stop a token from working, for good. Revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = self._token_for(key)
        self._note_use(token)
        return token.user, token

    @staticmethod
    def _note_use(token: ApiToken) -> None:
        # At most one write a minute per token, so that reading stays a read.
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)

    def _token_for(self, key: str) -> ApiToken:
        prefix = key.split(".", 1)[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This user is inactive."))
        return token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class TokenScope(permissions.BasePermission):
    """A read-only token may only read."""

    message = _("This token may only read.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True

"""Approval kinds: the owning app declares, per kind, its policy in its `AppConfig.ready`.

A policy says who may request, who decides (roles, or a function), what approving and
rejecting do (functions run inside the decision's transaction), what is notified and how the
request and the decision read on the subject's timeline. The mechanism knows no domain app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy

if TYPE_CHECKING:
    from aftersales.approvals.models import Request

Roles = frozenset[str]
# A permission's name (asked of the policy, with the subject or the request as its object), a
# set of roles, a function `(user, target) -> bool`, or None (anyone).
Who = str | Roles | Callable[..., bool] | None


@dataclass(frozen=True)
class Notice:
    """A notification queued in the transaction of a request or a decision: its kind (one an app
    registered in aftersales.notifications.registry), its recipients, its subject line, and any
    further keyword arguments of `queue_notification` (such as the case it is about)."""

    kind: str
    recipients: Callable[[Request], Iterable[Any]]
    subject: Callable[[Request], str]
    extra: Callable[[Request], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Policy:
    """What a kind of approval means.

    - `requesters`: the permission that lets a person ask (its name, e.g. "cases.suspend.request",
      asked with the subject), roles, a function `(user, subject) -> bool`, or None for anyone
      (the system, or a stranger's self-registration);
    - `deciders`: the permission that lets a person decide (asked with the request), roles, or a
      function `(user, request) -> bool`;
    - `on_approve` / `on_reject`: `(request, by)`, run after the decision is written and inside
      its transaction — raising rolls the decision back;
    - `on_requested` / `on_decided`: the notices queued;
    - `requested_entry` / `decided_entry`: the timeline kinds written on the subject, and
      `requested_data` / `decided_data` the data they carry (machine-readable);
    - the messages a refusal or a second decision show (lazy translations).
    """

    kind: str
    label: Any
    deciders: str | Roles | Callable[..., bool]
    requesters: Who = None
    on_approve: Callable[[Request, Any], None] | None = None
    on_reject: Callable[[Request, Any], None] | None = None
    on_requested: Notice | None = None
    on_decided: Notice | None = None
    requested_entry: str = "approval.requested"
    decided_entry: str = "approval.decided"
    requested_data: Callable[[Request], Mapping[str, Any]] | None = None
    decided_data: Callable[[Request], Mapping[str, Any]] | None = None
    refused_request: Any = _("Your role may not ask for this.")
    refused_decision: Any = _("Your role may not decide on this request.")
    already_decided: Any = _("This request was already decided: %(status)s.")

    def may_request(self, user, subject) -> bool:
        return _allowed(self.requesters, user, subject)

    def may_decide(self, user, request: Request | None) -> bool:
        # None: asked before the request is read (a domain service checking first, as it did).
        return _allowed(self.deciders, user, request)


def _allowed(who: Who, user, target) -> bool:
    if who is None:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if isinstance(who, str):
        return policy.allowed(user, who, target)
    if callable(who):
        return bool(who(user, target))
    return policy.holds_role(user, who)


class UnknownKind(LookupError):
    """An approval kind no app has registered."""


_POLICIES: dict[str, Policy] = {}


def register(policy: Policy) -> Policy:
    """Declare `policy` for its kind; called from the owning app's `AppConfig.ready`. Registering
    again replaces it (`ready` may run twice in tests); two apps must not share a kind."""
    if not policy.kind or len(policy.kind) > 50:
        raise ValueError(f"an approval kind needs a name of 1 to 50 characters: {policy.kind!r}")
    _POLICIES[policy.kind] = policy
    return policy


def unregister(kind: str) -> None:
    """Forget a kind (for tests declaring a throwaway one)."""
    _POLICIES.pop(kind, None)


def get(kind: str) -> Policy:
    """The policy of `kind`; UnknownKind if no app declared it."""
    try:
        return _POLICIES[kind]
    except KeyError:
        raise UnknownKind(f"no app registered the approval kind {kind!r}") from None

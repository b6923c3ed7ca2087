"""How a customer's scope narrows the installed base (called from `InstalledBaseConfig.ready`)."""

from __future__ import annotations

from aftersales.accounts import policy


def register() -> None:
    from aftersales.installed_base.models import Equipment

    policy.register_scope(Equipment, lambda rows, scope: rows.filter(customer_id=scope.customer_id))

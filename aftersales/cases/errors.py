"""The case domain's error, importable by the workflow table and the services alike."""

from __future__ import annotations

from aftersales.core.errors import DomainError


class CaseError(DomainError):
    """A request about a case that cannot be carried out as asked."""

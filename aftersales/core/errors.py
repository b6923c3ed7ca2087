"""Domain errors: a translatable message for a person, never a traceback."""

from __future__ import annotations


class DomainError(Exception):
    """Something the user asked for cannot be done; `message` says why in their language."""

    code = "invalid"

    def __init__(self, message, *, fields: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}


class NotAllowed(DomainError):
    """Not allowed now: wrong status or the actor lacks the right (HTTP 422)."""

    code = "not_allowed"


class Conflict(DomainError):
    """Someone else changed the object meanwhile (HTTP 409)."""

    code = "conflict"


class StorageUnavailable(DomainError):
    """The file store (object storage) cannot be reached or refused the request (HTTP 503).

    Nothing was written: the caller's transaction rolls back, and work taken from outside (an
    e-mail, a queued rendering) is left to be tried again."""

    code = "storage_unavailable"

"""Approvals: a request for any subject, decided once under a policy its kind's owning app declares."""

"""Moments in a case's life that other domain apps act on, without the case knowing them.

The case services send these inside their own transaction, after the case's own work is done, so
a receiver's writes commit or roll back with the case's. A receiver connects in its app's `ready`
(`case_opened.connect(receiver, dispatch_uid=...)`), so cases import none of the apps that act on
them and dependencies keep pointing one way. A receiver that raises aborts the operation: raise a
domain error only for a rule the operation must obey.
"""

from __future__ import annotations

from django.dispatch import Signal

# case, by: a case was just opened (every channel), its clocks started.
case_opened = Signal()

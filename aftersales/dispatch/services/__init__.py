"""Every operation that changes dispatch data. Each runs in one transaction, checks the policy,
records a timeline entry (on the case, or on the shift) and queues notifications in the same
transaction. Pages, the API and the demo call these functions.

- `roster`: plan and change shifts, swaps, who is on duty, after hours
- `assignment`: the proposal for a new case and the automatic assignment
- `handling`: A1/A2/A3, the customer's remote-login authorisation, the next step (S1)
- `tiers`: raising a case between tiers, vendor TAC and third-party cases
- `handovers`: offering a case to another team, accepting or refusing it
"""

from aftersales.dispatch.services.assignment import apply_proposal, on_case_opened, propose
from aftersales.dispatch.services.handling import (
    next_step,
    record_authorisation,
    record_remote_login,
    set_handling,
    valid_authorisation,
)
from aftersales.dispatch.services.handovers import decide_handover, request_handover, withdraw_handover
from aftersales.dispatch.services.roster import (
    after_hours,
    change_shift,
    fill_week,
    on_duty,
    plan_shift,
    shift_times,
    swap_shift,
)
from aftersales.dispatch.services.tiers import add_vendor_update, change_tier, open_vendor_case

__all__ = [
    "add_vendor_update",
    "after_hours",
    "apply_proposal",
    "change_shift",
    "change_tier",
    "decide_handover",
    "fill_week",
    "next_step",
    "on_case_opened",
    "on_duty",
    "open_vendor_case",
    "plan_shift",
    "propose",
    "record_authorisation",
    "record_remote_login",
    "request_handover",
    "set_handling",
    "shift_times",
    "swap_shift",
    "valid_authorisation",
    "withdraw_handover",
]

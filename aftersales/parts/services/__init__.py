"""Every operation that changes spare parts: the stock ledger, part requests, vendor RMAs,
quotes, returns/exchanges/refunds and charges. Each is one transaction; each checks the
permission policy first, locks the rows it changes, records the history on the timeline (on the
part request / RMA / quote itself and, where the case reader needs it, on the case) and queues
its notifications in the same transaction. Pages, the API, the worker and the demo call them
through this package's names; the modules below hold them by concern.

- `stock`: the ledger (receive, issue, return, write-off, transfer) and its locked balances
- `requests`: part requests (备件申请表) and the case's RMA-Pend moves
- `rma`: vendor RMAs and the return deadline (`return_deadline_started`)
- `charges`: chargeable repairs' quotes and the charge at closure
- `returns`: return, exchange, refund with a manager's approval
"""

from aftersales.parts.services.charges import (
    answer_quote,
    charge_standard_for,
    connect_signals,
    offer_quote,
    parts_used,
    record_charge,
    withdraw_quote,
)
from aftersales.parts.services.common import PartsError, case_is_chargeable
from aftersales.parts.services.requests import (
    CLAIMABLE_STATUSES,
    FILING_STATUSES,
    cancel_part_request,
    confirm_part_request,
    decline_part_request,
    file_part_request,
    fit_part,
    serve_from_stock,
)
from aftersales.parts.services.returns import (
    REMEDIES_BY_ENTITLEMENT,
    RETURN_APPROVAL,
    answer_return,
    decide_return,
    offer_return,
    register_approvals,
    remedies_for,
)
from aftersales.parts.services.rma import (
    RMA_RETURN_WORKING_DAYS,
    cancel_rma,
    claim_rma,
    is_last_working_day_of_month,
    receive_rma_part,
    return_deadline_started,
    ship_defective_part,
)
from aftersales.parts.services.stock import DELTAS, MANUAL_KINDS, record_movement, transfer_stock

__all__ = [
    "CLAIMABLE_STATUSES",
    "DELTAS",
    "FILING_STATUSES",
    "MANUAL_KINDS",
    "REMEDIES_BY_ENTITLEMENT",
    "RETURN_APPROVAL",
    "RMA_RETURN_WORKING_DAYS",
    "PartsError",
    "answer_quote",
    "answer_return",
    "cancel_part_request",
    "cancel_rma",
    "case_is_chargeable",
    "charge_standard_for",
    "claim_rma",
    "confirm_part_request",
    "connect_signals",
    "decide_return",
    "decline_part_request",
    "file_part_request",
    "fit_part",
    "is_last_working_day_of_month",
    "offer_quote",
    "offer_return",
    "parts_used",
    "receive_rma_part",
    "record_charge",
    "record_movement",
    "register_approvals",
    "remedies_for",
    "return_deadline_started",
    "serve_from_stock",
    "ship_defective_part",
    "transfer_stock",
    "withdraw_quote",
]

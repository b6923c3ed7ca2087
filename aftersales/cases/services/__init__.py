"""Every operation that changes a case. Each runs in one transaction, locks the case row when
it changes one, records a timeline entry, and queues notifications in the same transaction.
Pages, the API, the worker and management commands all call these functions, through this
package's names; the modules below hold them by concern.

- `intake`: opening a case, logging a consultation
- `workflow`: moving a case through its transition table
- `edits`: fields, severity, owner and team, comments and replies
- `acts`: service acts that meet or start clocks
- `suspension`: asking for and deciding a suspension
- `mail`: what the e-mail intake adds
- `confirmation`: copies, the customer's confirmation or rejection
"""

from aftersales.cases.errors import CaseError
from aftersales.cases.services.acts import ACT_STATUSES, record_act
from aftersales.cases.services.common import allocate_case_number
from aftersales.cases.services.confirmation import confirm_resolution, reject_resolution, set_copies
from aftersales.cases.services.edits import (
    EDITABLE_FIELDS,
    TierMove,
    add_comment,
    assign,
    change_severity,
    change_tier,
    change_tiers,
    expect_unchanged,
    update_case,
)
from aftersales.cases.services.intake import PARTY_FIELDS, PORTAL_SEVERITIES, log_consultation, open_case
from aftersales.cases.services.mail import add_inbound_mail, link_follow_up
from aftersales.cases.services.suspension import (
    CONSENT_BEFORE_OPENING,
    CONSENT_CLOCK_SKEW,
    MAX_SUSPENSION,
    SUSPENSION_APPROVAL,
    decide_suspension,
    register_suspension_approval,
    request_suspension,
)
from aftersales.cases.services.workflow import note_merge_on_target, record_status_change, transition

__all__ = [
    "ACT_STATUSES",
    "CONSENT_BEFORE_OPENING",
    "CONSENT_CLOCK_SKEW",
    "EDITABLE_FIELDS",
    "MAX_SUSPENSION",
    "PARTY_FIELDS",
    "PORTAL_SEVERITIES",
    "SUSPENSION_APPROVAL",
    "CaseError",
    "add_comment",
    "add_inbound_mail",
    "allocate_case_number",
    "assign",
    "change_severity",
    "TierMove",
    "change_tier",
    "change_tiers",
    "confirm_resolution",
    "decide_suspension",
    "expect_unchanged",
    "link_follow_up",
    "log_consultation",
    "note_merge_on_target",
    "open_case",
    "record_act",
    "record_status_change",
    "reject_resolution",
    "register_suspension_approval",
    "request_suspension",
    "set_copies",
    "transition",
    "update_case",
]

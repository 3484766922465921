"""Every change in the level 3 pipeline: quote → acceptance → payment → scheduled intervention →
operation report → invoice (and credit note).

One function per step, one transaction each, keyword-only arguments with an explicit ``actor``
(``None`` for the desk itself, e.g. a payment webhook or the expiry job) and ``now``. Each writes
an audit event on the originating ticket (``EventKind.UPDATED`` with ``data["step"]``) and
enqueues its e-mail after commit. A refused step raises ``ActionRefused`` (or a subclass, with a
stable ``code`` and an HTTP ``status``) and writes nothing.
"""

from infogerencia.actions._base import (
    local_today,
    may_administer,
    may_bill,
    may_prepare_quotes,
    may_schedule,
    staff_may,
)
from infogerencia.actions.invoicing import (
    buyer_lines,
    complete_intervention,
    issue_credit_note,
    record_report,
    required_fields,
    seller_lines,
)
from infogerencia.actions.payments import (
    PaymentResult,
    RefundResult,
    apply_payment,
    apply_refund,
    check_can_refund,
    check_payable,
    confirm_manual_payment,
    fail_attempt,
    open_attempt,
    record_refund,
)
from infogerencia.actions.quotes import (
    accept_quote,
    add_quote_line,
    draft_quote,
    expire_quotes,
    reject_quote,
    remove_quote_line,
    send_quote,
    update_quote,
)
from infogerencia.actions.scheduling import (
    administrators_calendar,
    earliest_start,
    intervention_duration,
    move_intervention,
    schedule_intervention,
)
from infogerencia.actions.statements import ImportResult, import_statement, resolve_credit

__all__ = [
    "ImportResult",
    "PaymentResult",
    "RefundResult",
    "accept_quote",
    "add_quote_line",
    "administrators_calendar",
    "apply_payment",
    "apply_refund",
    "check_can_refund",
    "check_payable",
    "fail_attempt",
    "import_statement",
    "open_attempt",
    "record_refund",
    "resolve_credit",
    "buyer_lines",
    "complete_intervention",
    "confirm_manual_payment",
    "draft_quote",
    "earliest_start",
    "expire_quotes",
    "intervention_duration",
    "issue_credit_note",
    "local_today",
    "may_administer",
    "may_bill",
    "may_prepare_quotes",
    "may_schedule",
    "staff_may",
    "move_intervention",
    "record_report",
    "reject_quote",
    "remove_quote_line",
    "required_fields",
    "schedule_intervention",
    "seller_lines",
    "send_quote",
    "update_quote",
]

"""
The customer's repair emails: one for each status the customer needs to hear about, with the public
tracking link (the code works without an account).

Customer-visible statuses (`CUSTOMER_MESSAGES`): `received` (the intake receipt), `awaiting_approval`
(the quote, to approve or decline from the tracking page), `awaiting_parts` (it will take longer),
`ready_for_pickup`, `completed` and `cancelled`. `diagnosing` and `in_repair` are the desk's own
steps: the customer hears about the result (the quote, the pickup), not about the bench.

`repair_status_email` is called once per move by `repair_transition` (and once by `repair_create`
for `received`); a move to the status a repair already has is refused there, so no email goes twice.
The email is built after the transaction commits, from the ticket as it then is (with the quote the
same transaction sent), and is not sent at all when the move is rolled back.
"""

from django.conf import settings
from django.db import transaction

from core.emails import send_templated_email
from core.store import store_config
from repairs.models import QuoteStatus, RepairRequest, RepairStatus

S = RepairStatus

CUSTOMER_MESSAGES: dict[str, str] = {
    S.RECEIVED: "We have received your device. Keep this email: the tracking code is how you follow the repair.",
    S.AWAITING_APPROVAL: "We have diagnosed your device. Here is our quote: nothing is done until you approve it.",
    S.AWAITING_PARTS: "We are waiting for a part for your device; we will tell you as soon as the repair goes on.",
    S.READY_FOR_PICKUP: "Your device is repaired and ready for pickup.",
    S.COMPLETED: "You have collected your device. Thank you for bringing it to us.",
    S.CANCELLED: "Your repair has been cancelled. Please collect your device at the counter.",
}


def tracking_url(repair: RepairRequest) -> str:
    """The public tracking page of `repair` (`REPAIR_TRACKING_URL`), the link every email and job card carries."""
    return settings.REPAIR_TRACKING_URL.format(code=repair.tracking_code)


def repair_status_email(repair: RepairRequest, old: str, new: str, note: str = "") -> None:
    """Email the customer that `repair` went from `old` to `new`, if `new` is a status they hear about."""
    if new not in CUSTOMER_MESSAGES:
        return
    repair_id = repair.pk
    transaction.on_commit(lambda: _send(repair_id, new, note))


def _send(repair_id: int, status: str, note: str) -> None:
    repair = RepairRequest.objects.filter(pk=repair_id).select_related("warranty_of").first()
    if repair is None or not repair.contact_email:
        return
    quote = None
    if status == S.AWAITING_APPROVAL:
        quote = repair.quotes.filter(status=QuoteStatus.SENT).prefetch_related("lines").order_by("-version").first()
    send_templated_email(
        to=repair.contact_email,
        template="repair_status",
        context={
            "repair": repair,
            "status": status,
            "status_label": RepairStatus(status).label,
            "message": CUSTOMER_MESSAGES[status],
            "note": note if status == S.CANCELLED else "",
            "quote": quote,
            "quote_lines": list(quote.lines.all()) if quote is not None else [],
            "currency": store_config().currency,
            "tracking_url": tracking_url(repair),
            "is_received": status == S.RECEIVED,
            "is_ready": status == S.READY_FOR_PICKUP,
            "is_completed": status == S.COMPLETED,
        },
    )

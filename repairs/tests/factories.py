"""
Repair tickets and desk users for tests. Users come from the accounts factory; the conftest fixtures
`staff_user` / `admin_user` are the same kind of users.
"""

from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from repairs.models import (
    DeviceType,
    QuoteLineKind,
    QuoteStatus,
    RepairQuote,
    RepairQuoteLine,
    RepairRequest,
    RepairStatus,
    RepairStatusEvent,
)
from repairs.services.tickets import tracking_code_new

# A real-looking IMEI that passes the Luhn check.
VALID_IMEI = "490154203237518"


def customer_user(**kw) -> User:
    return UserFactory(role=Role.CUSTOMER, **kw)


def technician_user(**kw) -> User:
    return UserFactory(role=Role.TECHNICIAN, **kw)


def staff_user(**kw) -> User:
    return UserFactory(role=Role.STAFF, **kw)


def admin_user(**kw) -> User:
    return UserFactory(role=Role.ADMIN, **kw)


def repair_body(**overrides) -> dict:
    """A valid `POST repairs` body."""
    body = {
        "device_type": DeviceType.PHONE,
        "brand": "Samsung",
        "model": "Galaxy A14",
        "serial_number": VALID_IMEI,
        "issue_description": "Cracked screen, touch works in the lower half only.",
        "condition_notes": "Scratches on the back.",
        "accessories": "Case",
        "unlocks_at_counter": True,
        "contact_name": "Akinyi Otieno",
        "contact_phone": "0712345678",
        "contact_email": "akinyi@example.com",
    }
    body.update(overrides)
    return body


def repair_factory(*, status: str = RepairStatus.RECEIVED, history: bool = True, **kw) -> RepairRequest:
    """
    A ticket written straight to the database in `status`, with a `received` history row (and one for
    `status` when it is later). Fields default to a phone in for a cracked screen; override any by name.
    """
    fields = {
        "device_type": DeviceType.PHONE,
        "brand": "Tecno",
        "model": "Spark 20",
        "serial_number": VALID_IMEI,
        "issue_description": "Does not charge.",
        "contact_name": "Akinyi Otieno",
        "contact_phone": "254712345678",
        "contact_email": "akinyi@example.com",
    }
    fields.update(kw)
    fields.setdefault("tracking_code", tracking_code_new())
    repair = RepairRequest.objects.create(status=status, **fields)
    if history:
        RepairStatusEvent.objects.create(repair=repair, from_status="", status=RepairStatus.RECEIVED)
        if status != RepairStatus.RECEIVED:
            RepairStatusEvent.objects.create(repair=repair, from_status=RepairStatus.RECEIVED, status=status)
    return repair


def quote_factory(
    repair: RepairRequest, *, status: str = QuoteStatus.SENT, total: Decimal = Decimal("2500.00"), note: str = ""
) -> RepairQuote:
    """A quote version with one labour line for `total`, written straight to the database (the next version)."""
    version = (repair.quotes.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    now = timezone.now()
    quote = RepairQuote.objects.create(
        repair=repair, version=version, status=status, total=total, note=note,
        sent_at=None if status == QuoteStatus.DRAFT else now,
        decided_at=now if status in (QuoteStatus.APPROVED, QuoteStatus.DECLINED) else None,
    )  # fmt: skip
    RepairQuoteLine.objects.create(
        quote=quote, kind=QuoteLineKind.LABOUR, description="Labour", quantity=1, unit_price=total, line_total=total
    )
    if status == QuoteStatus.APPROVED:
        RepairRequest.objects.filter(pk=repair.pk).update(approved_total=total, estimated_cost=total)
        repair.approved_total = repair.estimated_cost = total
    return quote


# Where a ticket in each status stands with its quote, as the desk's flow leaves it.
_QUOTE_AT = {
    RepairStatus.AWAITING_APPROVAL: QuoteStatus.SENT,
    RepairStatus.AWAITING_PARTS: QuoteStatus.APPROVED,
    RepairStatus.IN_REPAIR: QuoteStatus.APPROVED,
    RepairStatus.READY_FOR_PICKUP: QuoteStatus.APPROVED,
    RepairStatus.COMPLETED: QuoteStatus.APPROVED,
}


def repair_at(status: str, **kw) -> RepairRequest:
    """A ticket in `status` with the quote the flow would have given it by then (sent, or approved)."""
    repair = repair_factory(status=status, **kw)
    if status in _QUOTE_AT:
        quote_factory(repair, status=_QUOTE_AT[status])
    return repair

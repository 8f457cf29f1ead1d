"""Reads about payments worth naming: which payments paid an order, and what waits for staff."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from orders.models import Order, OrderRefund, RefundStatus
from payments.models import GatewayNotification, NotificationOutcome, Payment, PaymentStatus
from repairs.models import RepairRequest, RepairStatus
from repairs.services.payments import amount_due_expression

# Callbacks nobody could match, read or trust, recent enough that someone can still act on them.
TROUBLING_OUTCOMES = (NotificationOutcome.UNKNOWN, NotificationOutcome.MALFORMED, NotificationOutcome.FLAGGED)
TROUBLING_WINDOW = timedelta(days=30)
UNSETTLED_REFUNDS = (RefundStatus.PENDING, RefundStatus.FAILED)

MONEY_IN = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


def order_paid_by(*, order: Order) -> list[tuple[int, Decimal]]:
    """
    The payments whose money is in `order`'s books, oldest first, with what each took
    (`ORDERS_PAID_BY`): not a payment that came on top of an already paid order (`extra`).
    """
    return list(
        Payment.objects.filter(order_id=order.pk, status__in=MONEY_IN, extra=False)
        .order_by("completed_at", "id")
        .values_list("pk", "amount")
    )


def repair_paid_by(*, repair: RepairRequest) -> list[tuple[int, Decimal]]:
    """`REPAIRS_PAID_BY`: the payments whose money is in `repair`'s books, oldest first (never an extra one)."""
    return list(
        Payment.objects.filter(repair_id=repair.pk, status__in=MONEY_IN, extra=False)
        .order_by("completed_at", "id")
        .values_list("pk", "amount")
    )


# --- Needs attention (the admin's page: one query each, newest first) --------------------------------


def payments_flagged() -> QuerySet[Payment]:
    """Money that came in wrong: another amount or phone, a receipt used twice, an extra payment."""
    return Payment.objects.filter(needs_attention=True).select_related("order").order_by("-created_at", "-id")


def repairs_to_settle() -> QuerySet[RepairRequest]:
    """
    Repairs waiting for a person about money: handed over (completed) with money still due, until it
    is paid; cancelled with money kept, until it is refunded; flagged (a payment on top, for a
    cancelled repair, or more than was due), until cleared. Each row carries `due` (its amount due,
    computed in the query).
    """
    return (
        RepairRequest.objects.annotate(due=amount_due_expression())
        .filter(
            Q(needs_attention=True)
            | Q(status=RepairStatus.COMPLETED, due__gt=0)
            | Q(status=RepairStatus.CANCELLED, amount_paid__gt=F("amount_refunded"))
        )
        .only("id", "tracking_code", "status", "contact_name", "needs_attention", "attention_reason", "amount_paid",
              "amount_refunded", "completed_at", "created_at")
        .order_by("-created_at", "-id")
    )  # fmt: skip


def notifications_troubling(*, since: datetime) -> QuerySet[GatewayNotification]:
    """Callbacks and webhooks since `since` that matched no payment, could not be read, or were flagged."""
    return GatewayNotification.objects.filter(outcome__in=TROUBLING_OUTCOMES, received_at__gte=since).defer(
        "body", "headers"
    )


def orders_flagged() -> QuerySet[Order]:
    """Orders flagged for their own sake (a refund's flag is the refund's: see `refunds_unsettled`)."""
    return Order.objects.filter(needs_attention=True).order_by("-created_at", "-id")


def refunds_unsettled() -> QuerySet[OrderRefund]:
    """Refunds whose money has not gone back yet, or could not: each says what a person must do."""
    return (
        OrderRefund.objects.filter(status__in=UNSETTLED_REFUNDS).select_related("order").order_by("-created_at", "-id")
    )

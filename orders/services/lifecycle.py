"""
Everything that happens to an order after it is placed: payment, acceptance, shipping, delivery,
cancellation, failure.

The allowed moves are one table (`TRANSITIONS`); `order_transition` is the one function that
makes a move: it locks the order, checks the table, moves the stock as the move requires, and
records the history row, the outbox event and the customer's email. The payments app calls only
`order_assert_payable`, `order_payment_started`, `order_mark_paid` and `order_mark_payment_failed`.
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.models import User
from catalog import inventory
from catalog.inventory import InsufficientStock, StockLine
from catalog.models import MovementReason, Product
from catalog.services.discounts import coupon_redemption_release, coupon_redemption_restore
from core.models import PaymentMethod
from orders import events, notifications, payment_hooks
from orders.exceptions import AlreadyPaid, InvalidTransition, OrderNotPayable, RefundNotAllowed
from orders.models import (
    Order,
    OrderLine,
    OrderPaymentStatus,
    OrderRefund,
    OrderStatus,
    OrderStatusEvent,
    RefundStatus,
    StockState,
)

S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    # A cash order refunded in full before it is accepted is over: refunded, its units back on the shelf.
    S.PENDING: frozenset({S.PAID, S.PROCESSING, S.CANCELLED, S.FAILED, S.REFUNDED}),
    S.PAID: frozenset({S.PROCESSING, S.CANCELLED, S.REFUNDED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.FAILED: frozenset({S.PAID}),  # the payment arrived after the reservation expired
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
# Moves only one kind of order makes: prepaid orders are paid (or fail unpaid) before they are
# prepared; staff accept a cash-on-delivery order straight from pending.
PREPAID_ONLY = frozenset({(S.PENDING, S.PAID), (S.PENDING, S.FAILED), (S.FAILED, S.PAID)})
CASH_ONLY = frozenset({(S.PENDING, S.PROCESSING), (S.PENDING, S.REFUNDED)})
# What staff set through `orders/{id}/status`; payments, expiry and refunds make the other moves.
STAFF_TARGETS = frozenset({S.PROCESSING, S.SHIPPED, S.DELIVERED, S.CANCELLED})
CUSTOMER_CANCELLABLE = frozenset({S.PENDING, S.PAID})
FLAG_SEPARATOR = " | "  # between the reasons of an order flagged more than once
MONEY_RECEIVED = frozenset(
    {OrderPaymentStatus.PAID, OrderPaymentStatus.PARTIALLY_REFUNDED, OrderPaymentStatus.REFUNDED}
)


def allowed_moves(order: Order) -> list[str]:
    """The statuses `order` may move to next, in the order of the lifecycle (for the admin and error messages)."""
    return [to for to in OrderStatus.values if to in TRANSITIONS[order.status] and _move_problem(order, to) is None]


def _move_problem(order: Order, to: str) -> str | None:
    move = (order.status, to)
    if to not in TRANSITIONS[order.status]:
        return f"An order that is {order.status} cannot become {to}."
    if move in PREPAID_ONLY and not order.is_prepaid:
        return "A cash-on-delivery order is accepted (processing) or cancelled; it is not paid in advance."
    if move in CASH_ONLY and order.is_prepaid:
        return "A prepaid order is prepared only once it is paid."
    if to == S.REFUNDED and order.payment_status not in MONEY_RECEIVED:
        return "Only an order that was paid can be refunded."
    return None


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _actor(user) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def order_transition(*, order: Order, to: str, actor=None, note: str = "", changes: dict | None = None) -> Order:
    """Move `order` to `to` if the table allows it (else 409 `invalid_transition`); returns the order as it now is."""
    with transaction.atomic():
        order = _locked(order)
        problem = _move_problem(order, to)
        if problem:
            raise InvalidTransition(problem)
        old = order.status
        _move_stock(order=order, to=to, actor=_actor(actor))
        if to in (S.CANCELLED, S.FAILED) and order.payment_status not in MONEY_RECEIVED:
            coupon_redemption_release(order_id=order.pk)
        if old == S.FAILED and to == S.PAID:
            _coupon_take_back(order)
        order.status = to
        for field, value in (changes or {}).items():
            setattr(order, field, value)
        order.save()
        OrderStatusEvent.objects.create(order=order, from_status=old, status=to, note=note[:500], actor=_actor(actor))
        events.status_changed(order=order, actor=_actor(actor), old=old, new=to, note=note)
        notifications.status_changed(order=order, note=note)
    return order


def _coupon_take_back(order: Order) -> None:
    """Paid after it failed: the coupon use given back at expiry counts again, so paying late never frees a use."""
    if order.coupon_id is None:
        return
    within = coupon_redemption_restore(
        coupon_id=order.coupon_id, user=order.user, order_id=order.pk, discount=order.discount_total
    )
    if not within:
        order_flag(order, f"Coupon {order.coupon_code} was used past its limits: this order was paid after it "
                          "expired, when its use had been given back and taken again.")  # fmt: skip


def order_flag(order: Order, reason: str) -> None:
    """
    Flag `order` (locked, saved by the caller) for staff, keeping the reasons already there: one
    problem never hides another.
    """
    reasons = [part for part in order.attention_reason.split(FLAG_SEPARATOR) if part]
    if reason not in reasons:
        reasons.append(reason)
    order.needs_attention = True
    order.attention_reason = FLAG_SEPARATOR.join(reasons)[: Order._meta.get_field("attention_reason").max_length]


# --- Stock ------------------------------------------------------------------------------------------


def _move_stock(*, order: Order, to: str, actor) -> None:
    if to == S.PAID or (order.status == S.PENDING and to == S.PROCESSING):
        _sell(order=order, actor=actor)
    elif to in (S.CANCELLED, S.FAILED) or (order.status == S.PENDING and to == S.REFUNDED):
        _put_back(order=order, actor=actor)


def _sell(*, order: Order, actor) -> None:
    lines = list(order.lines.all())
    stock = [StockLine(line.variant_id, line.quantity) for line in lines]
    note = f"Order {order.number}"
    if order.stock_state == StockState.RESERVED:
        inventory.stock_commit(lines=stock, order_id=order.pk, actor=actor, note=note)
    elif order.stock_state == StockState.RELEASED:
        # Paid after its reservation expired: take the units again if they are still there.
        try:
            with transaction.atomic():
                inventory.stock_reserve(lines=stock, order_id=order.pk, actor=actor, note=note)
                inventory.stock_commit(lines=stock, order_id=order.pk, actor=actor, note=note)
        except InsufficientStock as shortage:
            order_flag(order, "Paid after its reservation expired, and the stock is gone: "
                              + " ".join(str(detail) for detail in shortage.detail))  # fmt: skip
            return
    else:
        return
    order.stock_state = StockState.SOLD
    _count_sold(lines, sign=+1)


def _put_back(*, order: Order, actor) -> None:
    lines = list(order.lines.all())
    note = f"Order {order.number}"
    if order.stock_state == StockState.RESERVED:
        stock = [StockLine(line.variant_id, line.quantity) for line in lines]
        inventory.stock_release(lines=stock, order_id=order.pk, actor=actor, note=note)
    elif order.stock_state == StockState.SOLD:
        restock_lines(order=order, quantities={line.pk: line.quantity - line.quantity_restocked for line in lines},
                      reason=MovementReason.CANCELLATION, actor=actor)  # fmt: skip
    order.stock_state = StockState.RELEASED


def restock_lines(*, order: Order, quantities: dict[int, int], reason: str, actor) -> int:
    """Put sold units of `order`'s lines back on the shelf; returns how many. Call with the order locked."""
    lines = {line.pk: line for line in order.lines.all()}
    wanted = {line_id: qty for line_id, qty in quantities.items() if qty > 0}
    if not wanted:
        return 0
    inventory.stock_restock(
        lines=[StockLine(lines[line_id].variant_id, qty) for line_id, qty in wanted.items()],
        order_id=order.pk, actor=actor, reason=reason, note=f"Order {order.number}",
    )  # fmt: skip
    for line_id, qty in wanted.items():
        OrderLine.objects.filter(pk=line_id).update(quantity_restocked=F("quantity_restocked") + qty)
        lines[line_id].quantity_restocked += qty
    _count_sold([lines[line_id] for line_id in wanted], sign=-1, quantities=wanted)
    if all(line.quantity_restocked == line.quantity for line in lines.values()):
        order.stock_state = StockState.RELEASED
    return sum(wanted.values())


def _count_sold(lines: Iterable[OrderLine], *, sign: int, quantities: dict[int, int] | None = None) -> None:
    """Keep `Product.units_sold` (the `-popularity` ordering) in step with sales and restocks."""
    per_product: dict[int, int] = {}
    for line in lines:
        qty = quantities[line.pk] if quantities else line.quantity
        per_product[line.product_id] = per_product.get(line.product_id, 0) + qty
    for product_id, qty in sorted(per_product.items()):
        Product.objects.filter(pk=product_id).update(units_sold=Greatest(F("units_sold") + sign * qty, Value(0)))


# --- Payments (called by the payments app) ----------------------------------------------------------


def order_assert_payable(*, order: Order) -> None:
    """409 `already_paid` or `order_not_payable` unless a payment may be started for `order` now."""
    if order.payment_status in MONEY_RECEIVED:
        raise AlreadyPaid()
    if order.status != S.PENDING:
        raise OrderNotPayable(f"This order is {order.status}; only a pending order can be paid.")
    if order.total - order.amount_paid <= 0:
        raise OrderNotPayable("Nothing is due on this order.")


def order_payment_started(*, order: Order) -> Order:
    """A payment request went out (an STK push, a card intent): the order's payment is now pending."""
    with transaction.atomic():
        order = _locked(order)
        order_assert_payable(order=order)
        order.payment_status = OrderPaymentStatus.PENDING
        order.save(update_fields=["payment_status", "updated_at"])
    return order


def order_mark_paid(*, order: Order, amount: Decimal, reference: str = "", actor=None) -> Order:
    """
    Money for `order` arrived. Idempotent: an order already paid is returned unchanged. A prepaid
    order becomes `paid` (its stock is sold; see `_sell` for one paid after it failed); a cash
    order keeps its status. Money for a cancelled order is kept and flagged for staff to refund.
    """
    with transaction.atomic():
        order = _locked(order)
        if order.payment_status in MONEY_RECEIVED:
            return order
        order.payment_status = OrderPaymentStatus.PAID
        order.amount_paid = F("amount_paid") + amount
        order.paid_at = timezone.now()
        if order.status in (S.CANCELLED, S.REFUNDED):
            order_flag(order, f"Payment {reference or ''} received for a {order.status} order: refund it.")
        order.save()
        User.objects.filter(pk=order.user_id).update(
            orders_count=F("orders_count") + 1, total_spent=F("total_spent") + amount
        )
        events.order_paid(order=order, actor=_actor(actor), amount=amount, reference=reference)
        if order.is_prepaid and order.status in (S.PENDING, S.FAILED):
            note = f"Paid {order.currency} {amount}" + (f", reference {reference}" if reference else "")
            if not amount:
                note = "Nothing to pay: the order's total is 0."
            order = order_transition(order=order, to=S.PAID, actor=actor, note=note, changes={"reserved_until": None})
        order.refresh_from_db()
    return order


def order_mark_payment_failed(*, order: Order, reason: str, actor=None) -> Order:
    """A payment attempt failed: the order stays pending (and payable) until its reservation runs out."""
    with transaction.atomic():
        order = _locked(order)
        if order.status == S.PENDING and order.payment_status not in MONEY_RECEIVED:
            order.payment_status = OrderPaymentStatus.FAILED
            order.save(update_fields=["payment_status", "updated_at"])
    return order


# --- Staff and customers ----------------------------------------------------------------------------


def order_set_status(
    *, order: Order, to: str, actor, note: str = "", tracking_number: str | None = None, carrier: str | None = None
) -> Order:
    """Staff move an order along (accept, ship, deliver, cancel); the other moves belong to payments."""
    if to not in STAFF_TARGETS:
        raise InvalidTransition(f"Staff cannot set {to!r}: it follows from payments and refunds.")
    if to == S.CANCELLED:
        return order_cancel(order=order, actor=actor, reason=note, by_staff=True)
    changes = {}
    if tracking_number is not None:
        changes["tracking_number"] = tracking_number
    if carrier is not None:
        changes["carrier"] = carrier
    return order_transition(order=order, to=to, actor=actor, note=note, changes=changes)


def order_cancel(*, order: Order, actor, reason: str, by_staff: bool) -> Order:
    """
    Cancel: reserved stock is released, sold stock restocked, and money received is refunded in
    full. Customers may cancel while the order is pending or paid; staff until it ships.
    """
    with transaction.atomic():
        order = _locked(order)
        if not by_staff and order.status not in CUSTOMER_CANCELLABLE:
            raise InvalidTransition(f"An order that is {order.status} can no longer be cancelled; contact the shop.")
        order = order_transition(order=order, to=S.CANCELLED, actor=actor, note=reason)
        if order.refundable_amount > 0:
            order = order_refund(order=order, amount=None, reason=f"Order cancelled: {reason}".strip(), restock=False,
                                 actor=actor)  # fmt: skip
    return order


def reservations_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """
    Fail prepaid orders not paid by `reserved_until` and release their stock; returns how many.
    An order whose row is locked (a payment being applied right now) is skipped until next time.
    """
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status=S.PENDING, reserved_until__lt=now)
        .exclude(payment_method="cod")
        .order_by("reserved_until")
        .values_list("pk", flat=True)[:batch]
    )
    expired = 0
    for order_id in due:
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is None or order.status != S.PENDING or not order.reserved_until or order.reserved_until >= now:
                continue
            order_transition(
                order=order, to=S.FAILED, note="Not paid in time; the items were released.",
                changes={"payment_status": OrderPaymentStatus.FAILED},
            )  # fmt: skip
            expired += 1
    return expired


# --- Refunds ----------------------------------------------------------------------------------------


def order_refund(
    *,
    order: Order,
    amount: Decimal | None,
    reason: str,
    restock: bool,
    actor,
    restock_quantities: dict[int, int] | None = None,
    provider_reference: str = "",
) -> Order:
    """
    Give back `amount` (all that is left when None) of what was paid, to the payments that paid the
    order, never more than each took (one refund row per payment). `restock` puts the sold units back
    on the shelf: those of `restock_quantities` ({line id: units}) or, without it, every unit not yet
    restocked. A full refund makes the order `refunded` unless it was cancelled. The money goes back
    through the gateway after commit (`payment_hooks`); `provider_reference` is an M-Pesa reversal
    already made by hand in the portal (refused for other orders: a card refund goes through Stripe).
    """
    with transaction.atomic():
        order = _locked(order)
        if order.payment_status not in (OrderPaymentStatus.PAID, OrderPaymentStatus.PARTIALLY_REFUNDED):
            raise RefundNotAllowed(f"Nothing was paid on this order (payment {order.payment_status}).")
        left = order.refundable_amount
        if left <= 0:
            raise RefundNotAllowed(f"Nothing is left to refund on this order (paid {order.amount_paid:.2f}).")
        if provider_reference and order.payment_method != PaymentMethod.MPESA:
            raise ValidationError({"reference": [ErrorDetail(
                "A reversal reference is for M-Pesa orders; this order's money goes back through its own gateway.",
                code="invalid",
            )]})  # fmt: skip
        amount = left if amount is None else amount
        if not Decimal("0") < amount <= left:
            raise ValidationError({"amount": [ErrorDetail(f"Between 0.01 and {left:.2f} can be refunded.",
                                                          code="invalid")]})  # fmt: skip
        restocked = 0
        if restock and order.stock_state == StockState.SOLD:
            restocked = restock_lines(order=order, quantities=_restock_plan(order, restock_quantities),
                                      reason=MovementReason.RETURN, actor=_actor(actor))  # fmt: skip
        for index, (payment_id, part) in enumerate(_refund_parts(order, amount)):
            refund = OrderRefund.objects.create(
                order=order, payment_id=payment_id, amount=part, reason=reason[:500], actor=_actor(actor),
                restocked=restocked > 0 and index == 0, provider_reference=provider_reference[:100],
            )  # fmt: skip
            payment_hooks.refund_process_on_commit(refund=refund)
        fully = amount == left
        order.amount_refunded += amount
        order.payment_status = OrderPaymentStatus.REFUNDED if fully else OrderPaymentStatus.PARTIALLY_REFUNDED
        order.save()
        User.objects.filter(pk=order.user_id).update(
            total_spent=Greatest(F("total_spent") - amount, Value(Decimal("0.00"))),
            **({"orders_count": Greatest(F("orders_count") - 1, Value(0))} if fully else {}),
        )
        if fully and S.REFUNDED in allowed_moves(order):
            order = order_transition(order=order, to=S.REFUNDED, actor=actor, note=reason)
    return order


def _refund_parts(order: Order, amount: Decimal) -> list[tuple[int | None, Decimal]]:
    """Split `amount` over the payments that paid `order` (see `refund_split`)."""
    took = payment_hooks.paid_by(order=order)
    given = OrderRefund.objects.filter(order=order, extra_payment=False)
    return refund_split(took=took, given=given, amount=amount)


def refund_split(
    *, took: list[tuple[int, Decimal]], given: QuerySet[OrderRefund], amount: Decimal
) -> list[tuple[int | None, Decimal]]:
    """
    Split `amount` over the payments in `took` (`[(payment id, amount)]`, oldest first), each up to
    what it has left after the refunds in `given`. What no payment covers (money recorded by hand)
    is a part of its own. Orders and repairs refund through this one rule.
    """
    already = dict(
        given.filter(payment_id__in=[pk for pk, _ in took])
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "total")
    )
    parts: list[tuple[int | None, Decimal]] = []
    rest = amount
    for payment_id, paid in took:
        part = min(paid - already.get(payment_id, Decimal("0")), rest)
        if part > 0:
            parts.append((payment_id, part))
            rest -= part
    if rest > 0:
        parts.append((None, rest))
    return parts


def refund_extra_record(
    *, order: Order | None, payment_id: int, amount: Decimal, reason: str, actor, repair_id: int | None = None
) -> OrderRefund:
    """
    Record giving back a payment that came on top of an already paid order or repair (the payments
    app knows which those are). The books do not move: that money was never counted in them.
    """
    with transaction.atomic():
        refund = OrderRefund.objects.create(
            order=order, repair_id=None if order is not None else repair_id, payment_id=payment_id,
            extra_payment=True, amount=amount, reason=reason[:500], actor=_actor(actor),
        )  # fmt: skip
        payment_hooks.refund_process_on_commit(refund=refund)
    return refund


def _restock_plan(order: Order, requested: dict[int, int] | None) -> dict[int, int]:
    lines = {line.pk: line for line in order.lines.all()}
    if requested is None:
        return {pk: line.quantity - line.quantity_restocked for pk, line in lines.items()}
    for line_id, qty in requested.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationError({"lines": [ErrorDetail(f"Line {line_id} is not on this order.", code="invalid")]})
        if qty > line.quantity - line.quantity_restocked:
            raise ValidationError({"lines": [ErrorDetail(
                f"Line {line_id} has {line.quantity - line.quantity_restocked} units left to restock.", code="invalid"
            )]})  # fmt: skip
    return requested


def _locked_refund(refund: OrderRefund) -> OrderRefund:
    return OrderRefund.objects.select_for_update().get(pk=refund.pk)


def _refund_state(refund: OrderRefund, *, status: str, reference: str, failure: str = "", attention: str = "") -> None:
    refund.status = status
    refund.provider_reference = (reference or refund.provider_reference)[:100]
    refund.failure_reason = failure[:255]
    refund.attention = attention[:500]


def refund_mark_succeeded(*, refund: OrderRefund, reference: str = "") -> OrderRefund:
    """The money went back (the gateway confirmed, or staff made the M-Pesa reversal); idempotent, unflags it."""
    with transaction.atomic():
        refund = _locked_refund(refund)
        if refund.status != RefundStatus.SUCCEEDED:
            _refund_state(refund, status=RefundStatus.SUCCEEDED, reference=reference)
            refund.completed_at = timezone.now()
            refund.save()
            payment_hooks.refund_settled(refund=refund)
    return refund


def refund_mark_sent(*, refund: OrderRefund, reference: str) -> OrderRefund:
    """The gateway accepted the refund and tells the outcome later (a Stripe refund `pending`)."""
    with transaction.atomic():
        refund = _locked_refund(refund)
        if refund.status != RefundStatus.SUCCEEDED:
            _refund_state(refund, status=RefundStatus.PENDING, reference=reference)
            refund.save()
    return refund


def refund_mark_failed(
    *, refund: OrderRefund, reason: str, attention: str = "", reopen: bool = False, reference: str = ""
) -> OrderRefund:
    """
    The gateway did not give the money back (or a person must): the refund is flagged so staff act.
    `attention` is what they should do (a refund waiting for a person stays pending when `reason` is
    empty); the order's own flag is left alone, and the books stay as recorded. A refund already
    succeeded stays so, unless the gateway itself says it failed after all (`reopen`).
    """
    with transaction.atomic():
        refund = _locked_refund(refund)
        if refund.status == RefundStatus.SUCCEEDED and not reopen:
            return refund
        undone = refund.status == RefundStatus.SUCCEEDED
        _refund_state(refund, status=RefundStatus.FAILED if reason else RefundStatus.PENDING, reference=reference,
                      failure=reason, attention=attention or f"{refund.amount} did not go back: {reason}")  # fmt: skip
        refund.completed_at = None
        refund.save()
        if undone:
            payment_hooks.refund_settled(refund=refund)
    return refund


def refund_retry(*, refund: OrderRefund) -> OrderRefund:
    """Send a failed refund to the gateway again (its idempotency key makes a repeat harmless)."""
    with transaction.atomic():
        refund = _locked_refund(refund)
        if refund.status != RefundStatus.FAILED:
            return refund
        refund.status = RefundStatus.PENDING
        refund.failure_reason = ""
        refund.save(update_fields=["status", "failure_reason"])
        payment_hooks.refund_process_on_commit(refund=refund)
    return refund

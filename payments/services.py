"""
The only code that moves a payment's state. Each change locks the payment row, checks its state
first and ignores what is already done, so a callback, a status query, a webhook and the
simulator can all arrive at once and the money is counted once. Gateways are called with no
lock held and outside any transaction; orders are marked paid or failed only through the orders
services (`order_mark_paid`, `order_mark_payment_failed`), which move the stock, and repairs only
through `repairs.services.payments` (`repair_assert_payable`, `repair_payment_apply`).
"""

import contextlib
import logging
import secrets
from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.models import PaymentMethod
from core.phones import InvalidPhoneNumber, normalize_phone
from core.store import store_config
from orders.exceptions import AlreadyPaid, OrderNotPayable, PaymentMethodUnavailable
from orders.models import Order, OrderRefund, OrderStatus, RefundStatus
from orders.services.lifecycle import (
    FLAG_SEPARATOR,
    MONEY_RECEIVED,
    order_assert_payable,
    order_mark_paid,
    order_mark_payment_failed,
    order_payment_started,
    refund_extra_record,
    refund_mark_failed,
    refund_mark_sent,
    refund_mark_succeeded,
)
from payments import events
from payments.availability import method_gateway_required
from payments.exceptions import GatewayError, PaymentNotExtra, PaymentNotPending, SimulationDisabled
from payments.gateways import gateway_for
from payments.gateways.card.gateway import CardGateway, RefundUpdate, from_minor_units
from payments.gateways.mpesa.gateway import MAX_AMOUNT, MIN_AMOUNT, MpesaGateway, mpesa_amount
from payments.interface import GatewayResponse, PaymentRequest, PaymentResult, RefundRequest
from payments.models import GatewayKind, GatewayNotification, NotificationOutcome, Payment, PaymentStatus
from repairs.models import RepairRequest
from repairs.services.payments import repair_assert_payable, repair_payment_apply

logger = logging.getLogger("payments")

MONEY_IN = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
# Stripe may or may not have acted: ask again later with the same idempotency key.
TRANSIENT_CARD_ERRORS = frozenset({"timeout", "api_connection_error", "rate_limit"})


def _locked(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- Starting a payment -------------------------------------------------------------------------


def _kenyan_mobile(phone: str) -> str:
    """Daraja takes `2547XXXXXXXX` or `2541XXXXXXXX`; accept the forms people type and refuse the rest."""
    try:
        phone = normalize_phone(phone, region="KE")
    except InvalidPhoneNumber:
        phone = ""
    if len(phone) != 12 or not phone.startswith(("2547", "2541")):
        raise ValidationError(
            {"phone": [ErrorDetail("M-Pesa needs a Kenyan mobile number, e.g. 0712345678.", code="invalid_phone")]}
        )
    return phone


def mpesa_push(*, phone: str, order: Order | None = None, repair: RepairRequest | None = None, actor=None) -> Payment:
    """
    Send an STK push for what is left to pay on `order` or `repair`. Returns the pending payment
    once Daraja accepts the request; when it refuses or cannot be reached, the attempt is recorded
    as failed and 502 `gateway_error` carries Daraja's message (the order or repair stays payable).
    """
    return mpesa_payment_send(payment=mpesa_payment_create(order=order, repair=repair, phone=phone))


def mpesa_payment_create(*, phone: str, order: Order | None = None, repair: RepairRequest | None = None) -> Payment:
    """The pending payment for an STK push, before anything is sent (so a replayed request can find it)."""
    assert (order is None) != (repair is None), "An STK push pays one order or one repair."
    if order is not None:
        order_assert_payable(order=order)
        due, currency = order.total - order.amount_paid, order.currency
    else:
        repair_assert_payable(repair=repair)
        due, currency = repair.amount_due, store_config().currency
    phone = _kenyan_mobile(phone)
    amount = mpesa_amount(due)
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise PaymentMethodUnavailable(f"M-Pesa takes {MIN_AMOUNT} to {MAX_AMOUNT:,} shillings in one payment.")
    return Payment.objects.create(
        order=order,
        repair_id=repair.pk if repair is not None else None,
        method=PaymentMethod.MPESA,
        gateway=method_gateway_required(PaymentMethod.MPESA),
        amount=Decimal(amount),
        currency=currency,
        phone=phone,
    )


def mpesa_payment_send(*, payment: Payment) -> Payment:
    """The STK push itself: a network call, so callers make it after their transaction commits, holding no lock."""
    return _send(payment)


def _send(payment: Payment) -> Payment:
    """Ask the payment's gateway to start it, and record what it said."""
    order = payment.order
    # Daraja's AccountReference (12 characters at most): the order's number, or the repair's tracking code.
    reference = order.number if order is not None else _repair_reference(payment.repair_id)
    response = gateway_for(payment.gateway).start(PaymentRequest(
        payment_id=payment.pk, order_number=reference, amount=payment.amount, currency=payment.currency,
        method=payment.method, phone=payment.phone,
    ))  # fmt: skip
    if response.is_success and response.client_secret:
        Payment.objects.filter(pk=payment.pk).update(client_secret=response.client_secret[:255])
    payment = _started(payment=payment, order=order, response=response)
    payment.client_secret = response.client_secret[:255]
    return payment


def _repair_reference(repair_id: int | None) -> str:
    return RepairRequest.objects.filter(pk=repair_id).values_list("tracking_code", flat=True).first() or ""


def _started(*, payment: Payment, order: Order | None, response: GatewayResponse) -> Payment:
    with transaction.atomic():
        payment = _locked(payment.pk)
        if not response.is_success:
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = response.error[:255]
            payment.result_code = response.code[:60]
            payment.completed_at = timezone.now()
            payment.save()
            events.payment_failed(payment=payment)
        else:
            payment.checkout_request_id = response.reference if payment.method == PaymentMethod.MPESA else ""
            if payment.method != PaymentMethod.MPESA:
                payment.provider_reference = response.reference
            payment.merchant_request_id = response.secondary_reference[:64]
            payment.save()
            # Paid or cancelled meanwhile: a result for this payment is still applied when it comes.
            # A repair has no "payment pending" state: its payment status follows from its amounts.
            if order is not None:
                with contextlib.suppress(AlreadyPaid, OrderNotPayable):
                    order_payment_started(order=order)
    if not response.is_success:
        raise GatewayError(response.error or GatewayError.default_detail)
    return payment


def checkout_payment_start(*, order: Order, phone: str, actor=None) -> None:
    """
    Right after checkout (`ORDERS_AFTER_CHECKOUT`): an M-Pesa order with a phone gets its STK push
    at once. A refused push leaves the order placed with a failed payment the customer can retry;
    an order with nothing to pay (a total of 0) was paid when it was placed.
    """
    if order.payment_method != PaymentMethod.MPESA or not phone or order.payment_status in MONEY_RECEIVED:
        return
    try:
        mpesa_push(order=order, phone=phone, actor=actor)
    except (GatewayError, PaymentMethodUnavailable, ValidationError) as error:
        logger.info("STK push at checkout did not go out", extra={"order_id": order.pk, "error": str(error)})


# --- Applying a result --------------------------------------------------------------------------


def payment_apply_result(*, payment_id: int, result: PaymentResult, actor=None) -> tuple[Payment, str]:
    """
    Apply the final word on a payment, from whichever source; returns the payment and what
    happened (a `NotificationOutcome`). A success with an amount or phone other than the payment's
    is not counted but flagged for staff; a second success, or any result after success, changes
    nothing (except filling in the receipt a status query could not give).
    """
    with transaction.atomic():
        payment = _locked(payment_id)
        if result.still_pending:
            return payment, NotificationOutcome.DUPLICATE
        if payment.status == PaymentStatus.SUCCEEDED:
            if result.succeeded and result.receipt and not payment.provider_reference:
                return _record_receipt(payment, result.receipt), NotificationOutcome.APPLIED
            return payment, NotificationOutcome.DUPLICATE
        if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            return payment, NotificationOutcome.DUPLICATE
        if result.succeeded:
            return _succeed(payment, result, actor=actor)
        if payment.status == PaymentStatus.FAILED:
            return payment, NotificationOutcome.DUPLICATE
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = result.reason[:255]
        payment.result_code = result.code[:60]
        payment.completed_at = timezone.now()
        payment.save()
        events.payment_failed(payment=payment, actor=_actor(actor))
        if payment.order_id:
            order_mark_payment_failed(order=payment.order, reason=payment.failure_reason, actor=actor)
        return payment, NotificationOutcome.APPLIED


def _mismatch(payment: Payment, result: PaymentResult) -> str:
    problems = []
    if result.amount is not None and result.amount != payment.amount:
        problems.append(f"amount {result.amount} instead of {payment.amount}")
    if result.phone and payment.phone and result.phone != payment.phone:
        problems.append(f"phone {result.phone} instead of {payment.phone}")
    return "; ".join(problems)


def _succeed(payment: Payment, result: PaymentResult, *, actor) -> tuple[Payment, str]:
    mismatch = _mismatch(payment, result)
    if mismatch:
        payment.result_code = result.code[:60]
        payment.save(update_fields=["result_code", "updated_at"])
        _flag(payment, f"Paid with {mismatch} (receipt {result.receipt or 'none'}): check and settle.")
        logger.warning("Payment result does not match the payment", extra={"payment_id": payment.pk})
        return payment, NotificationOutcome.FLAGGED
    payment.status = PaymentStatus.SUCCEEDED
    payment.failure_reason = ""
    payment.result_code = result.code[:60]
    payment.completed_at = timezone.now()
    if result.receipt:
        payment.provider_reference = result.receipt[:64]
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:  # this receipt already paid another payment: never count it twice
        payment.refresh_from_db()
        _flag(payment, f"Receipt {result.receipt} was already used by another payment.")
        return payment, NotificationOutcome.FLAGGED
    events.payment_succeeded(payment=payment, actor=_actor(actor))
    if payment.repair_id:
        return _repair_paid(payment, actor=actor)
    if payment.order_id:
        # Lock the order before looking: two payments of one order succeeding at once must not both count.
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        if order.payment_status in MONEY_RECEIVED:
            Payment.objects.filter(pk=payment.pk).update(extra=True)
            payment.extra = True
            _flag(payment, f"{order.number} was already paid: this {payment.amount} came on top; refund it "
                           "(Refund extra payments, in the payments list).")  # fmt: skip
            return payment, NotificationOutcome.FLAGGED
        order = order_mark_paid(order=order, amount=payment.amount, reference=payment.provider_reference, actor=actor)
        if order.needs_attention and not payment.needs_attention:
            _flag(payment, order.attention_reason)
    return payment, NotificationOutcome.APPLIED


def _repair_paid(payment: Payment, *, actor) -> tuple[Payment, str]:
    """
    A succeeded payment of a repair: counted in its books, or, when nothing was due any more, kept
    apart as `extra` (to be given back); either way anything odd is flagged on both.
    """
    reference = payment.provider_reference or f"{payment.pk}"
    applied = repair_payment_apply(repair_id=payment.repair_id, amount=payment.amount, reference=reference, actor=actor)
    if not applied.counted:
        Payment.objects.filter(pk=payment.pk).update(extra=True)
        payment.extra = True
    if applied.attention:
        _flag(payment, applied.attention)
    return payment, NotificationOutcome.APPLIED if applied.counted else NotificationOutcome.FLAGGED


def repair_cash_payment_create(*, repair: RepairRequest, amount: Decimal, actor) -> int:
    """
    `REPAIRS_CASH_PAYMENT`: cash taken at the repair counter, as one succeeded cash payment; returns
    its id. `repairs.services.payments.repair_record_cash` calls it with the repair locked and the
    amount checked, and counts the money in the same transaction.
    """
    payment = Payment.objects.create(
        repair_id=repair.pk,
        method=PaymentMethod.COD,
        gateway=GatewayKind.CASH,
        amount=amount,
        currency=store_config().currency,
        status=PaymentStatus.SUCCEEDED,
        completed_at=timezone.now(),
    )
    events.payment_succeeded(payment=payment, actor=_actor(actor))
    return payment.pk


def _record_receipt(payment: Payment, receipt: str) -> Payment:
    payment.provider_reference = receipt[:64]
    try:
        with transaction.atomic():
            payment.save(update_fields=["provider_reference", "updated_at"])
    except IntegrityError:
        payment.refresh_from_db()
        _flag(payment, f"Receipt {receipt} was already used by another payment.")
    return payment


def _flag(payment: Payment, reason: str) -> None:
    """Flag `payment` for staff, keeping the reasons already there (callers hold its row's lock)."""
    reasons = [part for part in payment.attention_reason.split(FLAG_SEPARATOR) if part]
    if reason not in reasons:
        reasons.append(reason)
    text = FLAG_SEPARATOR.join(reasons)[: Payment._meta.get_field("attention_reason").max_length]
    Payment.objects.filter(pk=payment.pk).update(needs_attention=True, attention_reason=text)
    payment.needs_attention, payment.attention_reason = True, text


# --- Lost callbacks ---------------------------------------------------------------------------------


def payment_refresh(*, payment: Payment, actor=None) -> Payment:
    """
    Ask Daraja's STK query for a pending M-Pesa payment's outcome and apply it (a lost callback).
    A payment flagged for staff is left to them: the query says "paid" but not how much, so it
    must not turn a short payment into a full one. The flag is read again under the row's lock once
    the answer is in: a short callback may have landed while the query was out.
    """
    if (
        payment.status != PaymentStatus.PENDING
        or payment.gateway != GatewayKind.MPESA
        or not payment.checkout_request_id
    ):
        return payment
    if payment.needs_attention:
        return payment
    answer = MpesaGateway().query(payment.checkout_request_id)
    if isinstance(answer, GatewayResponse):
        raise GatewayError(answer.error)
    with transaction.atomic():
        payment = _locked(payment.pk)
        if payment.needs_attention:
            return payment
        if answer.succeeded and answer.amount is None:
            answer = replace(answer, amount=payment.amount)
        payment, _ = payment_apply_result(payment_id=payment.pk, result=answer, actor=actor)
    return payment


def mpesa_reconcile(*, older_than_seconds: int = 60, limit: int = 200) -> dict[str, int]:
    """
    Query every pending M-Pesa payment older than a minute (its callback may be lost). Errors are
    logged and counted, never raised: one bad answer must not stop the others.
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    pending = list(
        Payment.objects.filter(
            status=PaymentStatus.PENDING, gateway=GatewayKind.MPESA, needs_attention=False, created_at__lt=cutoff
        )
        .exclude(checkout_request_id="")
        .order_by("created_at")[:limit]
    )
    counts = {"checked": 0, "succeeded": 0, "failed": 0, "pending": 0, "errors": 0}
    for payment in pending:
        counts["checked"] += 1
        try:
            payment = payment_refresh(payment=payment)
        except GatewayError as error:
            counts["errors"] += 1
            logger.warning(
                "STK query failed during reconciliation", extra={"payment_id": payment.pk, "error": str(error)}
            )
            continue
        counts[
            {PaymentStatus.SUCCEEDED: "succeeded", PaymentStatus.FAILED: "failed"}.get(payment.status, "pending")
        ] += 1
    return counts


# --- Cash and simulation ----------------------------------------------------------------------------


def cash_record(*, order: Order, amount: Decimal, actor) -> Payment:
    """
    The rider collected cash on delivery: one succeeded cash payment, and the order is paid. The
    order is locked before it is checked, so two clicks at once record one payment (the other: 409).
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.payment_method != PaymentMethod.COD:
            raise PaymentMethodUnavailable("Only cash-on-delivery orders are paid in cash.")
        if order.payment_status in MONEY_RECEIVED:
            raise AlreadyPaid()
        if order.status in (OrderStatus.CANCELLED, OrderStatus.FAILED, OrderStatus.REFUNDED):
            raise OrderNotPayable(f"This order is {order.status}.")
        due = order.total - order.amount_paid
        if amount != due:
            raise ValidationError({"amount": [ErrorDetail(f"The amount due is {due:.2f}.", code="invalid")]})
        payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.COD,
            gateway=GatewayKind.CASH,
            amount=amount,
            currency=order.currency,
            status=PaymentStatus.SUCCEEDED,
            completed_at=timezone.now(),
        )
        events.payment_succeeded(payment=payment, actor=_actor(actor))
        order_mark_paid(order=order, amount=amount, reference=f"cash {payment.pk}", actor=actor)
    return payment


def payment_simulate(*, payment: Payment, outcome: str, actor=None) -> Payment:
    """Play the gateway's part (`PAYMENTS_SIMULATION`), through the same path as a real callback."""
    if not settings.PAYMENTS_SIMULATION:
        raise SimulationDisabled()
    if payment.status != PaymentStatus.PENDING:
        raise PaymentNotPending(f"This payment is {payment.status}.")
    if outcome == "success":
        result = PaymentResult(
            succeeded=True,
            code="0",
            reason="Simulated payment",
            amount=payment.amount,
            receipt=f"SIM{secrets.token_hex(4).upper()}",
            phone=payment.phone,
        )
    else:
        result = PaymentResult(succeeded=False, code="1032", reason="The M-Pesa request was cancelled on the phone.")
    payment, _ = payment_apply_result(payment_id=payment.pk, result=result, actor=actor)
    return payment


# --- Refunds ----------------------------------------------------------------------------------------


class RefundNotConfirmed(Exception):
    """The gateway did not say whether the refund happened (timeout, connection, rate limit)."""


def refund_unconfirmed(*, refund_id: int, reason: str) -> OrderRefund:
    """Retries ran out without an answer: staff retry the refund (same idempotency key) from the admin."""
    refund = OrderRefund.objects.get(pk=refund_id)
    return refund_mark_failed(
        refund=refund,
        reason=f"Not confirmed: {reason}",
        attention=f"Stripe did not confirm refund {refund.pk} of {refund.amount}; retry it from the refunds list.",
    )


def refund_enqueue(*, refund_id: int) -> None:
    """`ORDERS_REFUND_PROCESSOR`: give the money back in the background (a gateway call)."""
    from payments.tasks import refund_process

    refund_process.delay(refund_id=refund_id)


def refund_through_gateway(*, refund_id: int) -> OrderRefund:
    """
    Give a recorded refund's money back through the gateway of the payment it belongs to: Stripe
    refunds the card (or, for a refund it accepted before, says where it stands); an M-Pesa reversal
    is made by staff in the portal (the refund waits, flagged, until its reference is recorded); cash
    is handed back by hand. A refund with no payment behind it, or whose reversal was already made
    by hand (its reference), is settled as it stands.
    """
    refund = OrderRefund.objects.get(pk=refund_id)
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    payment = Payment.objects.filter(pk=refund.payment_id).first() if refund.payment_id else None
    if payment is None or (refund.provider_reference and payment.gateway != GatewayKind.STRIPE):
        return refund_mark_succeeded(refund=refund, reference=refund.provider_reference)
    response = gateway_for(payment.gateway).refund(RefundRequest(
        payment_id=payment.pk, refund_id=refund.pk, provider_reference=payment.provider_reference,
        amount=refund.amount, currency=payment.currency, refund_reference=refund.provider_reference,
    ))  # fmt: skip
    return _refund_answered(refund, payment, response)


def _refund_answered(refund: OrderRefund, payment: Payment, response: GatewayResponse) -> OrderRefund:
    if response.is_success and response.pending:  # accepted: the outcome comes by webhook
        return refund_mark_sent(refund=refund, reference=response.reference)
    if response.is_success:
        return refund_mark_succeeded(refund=refund, reference=response.reference)
    if response.pending:  # a person must act: an M-Pesa reversal in the portal
        attention = f"{response.error} Payment {payment.provider_reference}, {refund.amount}."
        return refund_mark_failed(refund=refund, reason="", attention=attention)
    if response.code in TRANSIENT_CARD_ERRORS:
        # The gateway may have made the refund: ask again with the same idempotency key (the task backs off).
        raise RefundNotConfirmed(response.error or "The gateway did not answer.")
    if response.reference:  # the gateway took the refund, then could not make it (a closed card)
        attention = _returned_another_way(refund)
        return refund_mark_failed(
            refund=refund, reason=response.error, attention=attention, reference=response.reference
        )
    return refund_mark_failed(refund=refund, reason=response.error or "The refund failed.")


def _returned_another_way(refund: OrderRefund) -> str:
    return (f"The card could not take refund {refund.pk} of {refund.amount} back: give it back another way, then "
            "record how with 'Record the reversal reference'.")  # fmt: skip


def payment_refunds_settle(*, payment_id: int) -> Payment:
    """
    `ORDERS_REFUND_SETTLED`: a payment is `refunded` once its refunds that went through give back
    all it took, and `succeeded` again if one of them failed after all; an extra payment given back
    loses its flag.
    """
    with transaction.atomic():
        payment = _locked(payment_id)
        if payment.status not in MONEY_IN:
            return payment
        returned = OrderRefund.objects.filter(payment_id=payment.pk, status=RefundStatus.SUCCEEDED).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
        status = PaymentStatus.REFUNDED if returned >= payment.amount else PaymentStatus.SUCCEEDED
        if status != payment.status:
            payment.status = status
            if payment.extra and status == PaymentStatus.REFUNDED:
                payment.needs_attention, payment.attention_reason = False, ""
            payment.save()
    return payment


def payment_refund_extra(*, payment: Payment, actor, reason: str = "") -> OrderRefund:
    """
    Give back, through its own gateway, a payment that came on top of an already paid order or
    repair (it is `extra`, flagged when it arrived). The books do not move: its money was never in them.
    """
    with transaction.atomic():
        payment = _locked(payment.pk)
        what = "order" if payment.order_id else "repair"
        if not payment.extra:
            raise PaymentNotExtra(f"It paid its {what}: refund the {what} instead.")
        if payment.status != PaymentStatus.SUCCEEDED or OrderRefund.objects.filter(payment_id=payment.pk).exists():
            raise PaymentNotExtra("It is being refunded, or was refunded already.")
        reason = reason or f"Paid on top of an already paid {what} (payment {payment.pk})"
        return refund_extra_record(
            order=payment.order, repair_id=payment.repair_id, payment_id=payment.pk, amount=payment.amount,
            reason=reason, actor=actor,
        )  # fmt: skip


# --- Card (Stripe) ------------------------------------------------------------------------------------


def card_intent_start(*, order: Order, actor=None) -> Payment:
    """
    A Stripe PaymentIntent for what is left to pay; its `client_secret` lets the customer's browser
    confirm the card with Stripe.js. The webhook then tells the outcome.
    """
    return card_payment_send(payment=card_payment_create(order=order))


def card_payment_create(*, order: Order) -> Payment:
    """The pending card payment, before Stripe is called (so a replayed request can find it)."""
    order_assert_payable(order=order)
    return Payment.objects.create(
        order=order,
        method=PaymentMethod.CARD,
        gateway=method_gateway_required(PaymentMethod.CARD),
        amount=order.total - order.amount_paid,
        currency=order.currency,
    )


def card_payment_send(*, payment: Payment) -> Payment:
    """Create the PaymentIntent: a network call, made after the caller's transaction commits."""
    return _send(payment)


def card_webhook_apply(*, payload: bytes, signature: str, notification) -> str:
    """
    Verify and apply one Stripe webhook; returns its `NotificationOutcome`. A bad signature raises
    `InvalidWebhook` (the view answers 400); an event seen before changes nothing.
    """
    event = CardGateway().parse_webhook(payload=payload, signature=signature)
    notification.reference = event.id[:100]
    seen = GatewayNotification.objects.filter(gateway=GatewayKind.STRIPE, reference=event.id).exclude(
        pk=notification.pk
    )
    if seen.filter(outcome__in=[NotificationOutcome.APPLIED, NotificationOutcome.DUPLICATE]).exists():
        return NotificationOutcome.DUPLICATE
    if event.refund is not None:
        return _card_refund_update(event.refund, notification)
    if event.type not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        return NotificationOutcome.IGNORED
    payment = Payment.objects.filter(gateway=GatewayKind.STRIPE, provider_reference=event.intent_id).first()
    if payment is None:
        return NotificationOutcome.UNKNOWN
    notification.payment = payment
    if event.type == "payment_intent.succeeded":
        if event.currency and event.currency != payment.currency.lower():
            _flag(
                payment, f"Stripe reports {event.currency.upper()} for a {payment.currency} payment: check and settle."
            )
            return NotificationOutcome.FLAGGED
        amount = None if event.amount_minor is None else from_minor_units(event.amount_minor, payment.currency)
        result = PaymentResult(succeeded=True, code="succeeded", amount=amount, receipt=event.intent_id)
    else:
        result = PaymentResult(
            succeeded=False,
            code=event.failure_code or "payment_failed",
            reason=event.failure_message or "The card payment failed.",
        )
    _, outcome = payment_apply_result(payment_id=payment.pk, result=result)
    return outcome


def _card_refund_update(update: RefundUpdate, notification) -> str:
    """
    A Stripe refund's later news: `succeeded` settles it, `failed` (or `canceled`) marks it failed
    and flags it for staff, even after it looked settled: the card did not take the money back.
    Found by its Stripe id, else by the refund id Duka put in its metadata (the create answer may
    have been lost). The same news twice changes nothing.
    """
    refund = OrderRefund.objects.filter(provider_reference=update.id).first()
    if refund is None and update.refund_id is not None:
        refund = OrderRefund.objects.filter(pk=update.refund_id, provider_reference="").first()
    payment = Payment.objects.filter(pk=refund.payment_id, gateway=GatewayKind.STRIPE).first() if refund else None
    if refund is None or payment is None or (update.payment_intent not in ("", payment.provider_reference)):
        notification.note = f"No card refund matches Stripe refund {update.id}."[:255]
        return NotificationOutcome.UNKNOWN
    notification.payment = payment
    notification.note = f"Refund {refund.pk}: {update.status} {update.failure_reason}".strip()[:255]
    before = (refund.status, refund.provider_reference, refund.failure_reason)
    if update.status == "succeeded":
        refund = refund_mark_succeeded(refund=refund, reference=update.id)
    elif update.status in ("failed", "canceled"):
        reason = f"Stripe could not refund the card ({update.failure_reason or update.status})."
        if refund.status != RefundStatus.FAILED or refund.failure_reason != reason:
            refund = refund_mark_failed(
                refund=refund, reason=reason, attention=_returned_another_way(refund), reopen=True, reference=update.id
            )
    elif refund.status == RefundStatus.PENDING and not refund.provider_reference:
        refund = refund_mark_sent(refund=refund, reference=update.id)
    changed = (refund.status, refund.provider_reference, refund.failure_reason) != before
    return NotificationOutcome.APPLIED if changed else NotificationOutcome.DUPLICATE

"""
What the payments app needs from a repair, as `orders/services/lifecycle.py` gives it for orders:
whether a payment may start now and for how much, applying money that arrived, cash taken at the
counter, and refunds. Payments imports this module; repairs reaches payments only through the
settings hooks of `repairs/payment_hooks.py`, so neither app's models import the other.

The books of a repair are two amounts, `amount_paid` and `amount_refunded`, changed here only,
each time with the repair's row locked (`select_for_update`), so a callback racing cash at the
counter or another callback counts the money once. What is due and the payment status follow
from them (`RepairRequest.amount_due`, `payment_status`).

Errors reuse the codes API.md names for orders, as the endpoints are shared:
- 409 `already_paid`: something was charged and all of it is paid;
- 409 `order_not_payable`: nothing can be paid on it: cancelled, nothing charged yet (no approved
  quote nor final cost), or free (a warranty claim).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Value, When
from django.db.models.functions import Greatest
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog.models import MONEY
from orders import payment_hooks as refund_hooks
from orders.exceptions import AlreadyPaid, OrderNotPayable, RefundNotAllowed
from orders.models import OrderRefund
from orders.services.lifecycle import FLAG_SEPARATOR, refund_split
from repairs import payment_hooks
from repairs.models import RepairRequest, RepairStatus

ZERO = Decimal("0.00")
# M-Pesa takes whole shillings and the push asks for what is due rounded up: less than a shilling
# over what is due is that rounding, not an overpayment worth a person's time.
ROUNDING = Decimal("1.00")


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _locked(repair_id: int) -> RepairRequest:
    return RepairRequest.objects.select_for_update().get(pk=repair_id)


# --- What is due --------------------------------------------------------------------------------


def amount_due_expression() -> ExpressionWrapper:
    """
    `RepairRequest.amount_due` as a database expression, for lists that filter or sort by it (the
    Needs-attention page): the same rule as the model's `charge` and `amount_due`, kept beside them
    by a test that compares the two for every case.
    """
    money = DecimalField(**MONEY)
    charge = Case(
        When(warranty_of__isnull=False, then=Value(ZERO)),
        When(final_cost__isnull=False, then=F("final_cost")),
        When(approved_total__isnull=False, then=F("approved_total")),
        default=Value(ZERO),
        output_field=money,
    )
    return ExpressionWrapper(Greatest(charge - F("amount_paid"), Value(ZERO)), output_field=money)


def repair_assert_payable(*, repair: RepairRequest) -> None:
    """409 `order_not_payable` or `already_paid` unless a payment may be started for `repair` now."""
    if repair.status == RepairStatus.CANCELLED:
        raise OrderNotPayable("This repair was cancelled: nothing can be paid on it.")
    if repair.amount_due > 0:
        return
    if repair.charge > 0:
        raise AlreadyPaid("This repair is already paid: nothing is due.")
    if repair.is_warranty_claim:
        raise OrderNotPayable("This repair is a warranty claim: there is nothing to pay.")
    raise OrderNotPayable("Nothing is due on this repair yet: its quote has not been approved.")


# --- Money in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentApplied:
    """
    What applying a payment did. `counted`: the money is in the repair's books (else it came when
    nothing was due, and is to be given back as an extra payment); `attention`: why staff should
    look, flagged on the repair too ("" when nothing is wrong).
    """

    repair: RepairRequest
    counted: bool
    attention: str = ""


def _flag(repair: RepairRequest, reason: str) -> None:
    """Flag `repair` (locked, saved by the caller) for staff, keeping the reasons already there."""
    reasons = [part for part in repair.attention_reason.split(FLAG_SEPARATOR) if part]
    if reason not in reasons:
        reasons.append(reason)
    repair.needs_attention = True
    limit = RepairRequest._meta.get_field("attention_reason").max_length
    repair.attention_reason = FLAG_SEPARATOR.join(reasons)[:limit]


def repair_payment_apply(*, repair_id: int, amount: Decimal, reference: str = "", actor=None) -> PaymentApplied:
    """
    Money for a repair arrived (payments calls this once per succeeded payment, its own row locked).
    The repair is locked before it is read, so two payments, or a payment and cash at the counter,
    never both fill the same amount due. Money is never lost: when nothing was due it is kept apart
    (not counted) and flagged to be given back; money for a cancelled repair, or more than was due
    (beyond the M-Pesa rounding), is counted and flagged for staff to refund.
    """
    with transaction.atomic():
        repair = _locked(repair_id)
        label = f"Payment {reference} of {amount:.2f}" if reference else f"A payment of {amount:.2f}"
        due = repair.amount_due
        if due <= 0:
            reason = (f"{label} came when nothing was due on {repair.tracking_code}: give it back "
                      "(Refund extra payments, in the payments list).")  # fmt: skip
            _flag(repair, reason)
            repair.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
            return PaymentApplied(repair=repair, counted=False, attention=reason)
        reason = ""
        if repair.status == RepairStatus.CANCELLED:
            reason = f"{label} came for the cancelled repair {repair.tracking_code}: refund it."
        elif amount - due >= ROUNDING:
            reason = (f"{label} is {amount - due:.2f} more than the {due:.2f} due on {repair.tracking_code}: "
                      "refund the difference.")  # fmt: skip
        if reason:
            _flag(repair, reason)
        repair.amount_paid = F("amount_paid") + amount
        repair.save(update_fields=["amount_paid", "needs_attention", "attention_reason", "updated_at"])
        repair.refresh_from_db()
    return PaymentApplied(repair=repair, counted=True, attention=reason)


def repair_record_cash(*, repair: RepairRequest, amount: Decimal, actor) -> RepairRequest:
    """
    Staff took cash at the counter: one succeeded cash payment, counted at once. The amount must be
    exactly what is due (else 400 naming it: a clerk's typo must not leave a repair half paid or
    overpaid); a repair with nothing due answers 409 as an STK push would. The repair is locked
    before it is checked, so two clicks, or a click racing an M-Pesa callback, count the money once.
    """
    with transaction.atomic():
        repair = _locked(repair.pk)
        repair_assert_payable(repair=repair)
        due = repair.amount_due
        if amount != due:
            raise ValidationError({"amount": [ErrorDetail(f"The amount due is {due:.2f}.", code="invalid")]})
        payment_id = payment_hooks.cash_payment_record(repair=repair, amount=amount, actor=_actor(actor))
        applied = repair_payment_apply(repair_id=repair.pk, amount=amount, reference=f"cash {payment_id}", actor=actor)
    return applied.repair


# --- Money out ----------------------------------------------------------------------------------


def repair_refund(*, repair: RepairRequest, amount: Decimal | None, reason: str, actor) -> RepairRequest:
    """
    Give back `amount` (all that is left when None) of what was paid on `repair`, through the same
    refund path as orders: one refund row per payment that paid it (oldest first, never more than
    each took), the money sent back through that payment's gateway after commit (a card by Stripe,
    an M-Pesa reversal made by staff in the portal, cash by hand), settled and flagged as orders'
    refunds are. The repair's books move now: `amount_refunded`.
    """
    with transaction.atomic():
        repair = _locked(repair.pk)
        left = repair.amount_paid - repair.amount_refunded
        if left <= 0:
            raise RefundNotAllowed(f"Nothing paid on this repair is left to refund (paid {repair.amount_paid:.2f}).")
        amount = left if amount is None else amount
        if not Decimal("0") < amount <= left:
            raise ValidationError(
                {"amount": [ErrorDetail(f"Between 0.01 and {left:.2f} can be refunded.", code="invalid")]}
            )
        given = OrderRefund.objects.filter(repair_id=repair.pk, extra_payment=False)
        for payment_id, part in refund_split(took=payment_hooks.paid_by(repair=repair), given=given, amount=amount):
            refund = OrderRefund.objects.create(
                repair_id=repair.pk, payment_id=payment_id, amount=part, reason=reason[:500], actor=_actor(actor)
            )
            refund_hooks.refund_process_on_commit(refund=refund)
        repair.amount_refunded = F("amount_refunded") + amount
        repair.save(update_fields=["amount_refunded", "updated_at"])
        repair.refresh_from_db()
    return repair

"""
Card payments through Stripe as a gateway (payments/interface.py): a PaymentIntent whose
`client_secret` lets the customer's browser confirm the card with Stripe.js, refunds, and the
signed webhook that tells the outcome. A decline, a timeout or a Stripe error is a failed
`GatewayResponse`, never an exception.
"""

from decimal import Decimal

import stripe
from django.conf import settings

from payments.gateways.card.client import StripeApi, StripeCallError, stripe_client
from payments.gateways.card.webhooks import REFUND_EVENTS, CardEvent, InvalidWebhook, RefundUpdate, verified_event
from payments.interface import GatewayResponse, PaymentRequest, RefundRequest

__all__ = [
    "REFUND_EVENTS",
    "CardEvent",
    "CardGateway",
    "InvalidWebhook",
    "RefundUpdate",
    "card_configured",
    "from_minor_units",
    "minor_units",
]

# Stripe's amounts are integers in the currency's minor unit (https://docs.stripe.com/currencies):
# cents for most, the unit itself for these, and thousandths (ending in 0) for the three-decimal
# ones. ISK, HUF and TWD stay two-decimal in the API, for backwards compatibility.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# pending (or requires_action): Stripe accepted it and the outcome comes later, by webhook.
SUCCESSFUL_REFUND = ("succeeded", "pending", "requires_action")


def card_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def _exponent(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def minor_units(amount: Decimal, currency: str) -> int:
    """
    Stripe's integer amount for `amount` (KES 1460.00 → 146000, JPY 1500 → 1500). An amount Stripe
    cannot charge exactly (JPY 10.50) is a ValueError, not a rounding: the customer pays what the
    payment records, or nothing.
    """
    scaled = Decimal(amount).scaleb(_exponent(currency))
    if scaled != scaled.to_integral_value() or (currency.lower() in THREE_DECIMAL and scaled % 10):
        raise ValueError(f"Stripe cannot charge exactly {amount} {currency.upper()}.")
    return int(scaled)


def from_minor_units(amount_minor: int, currency: str) -> Decimal:
    """The inverse of `minor_units`: what a webhook's `amount_received` is worth in the payment's terms."""
    return Decimal(amount_minor).scaleb(-_exponent(currency))


class CardGateway:
    def __init__(self, client: stripe.StripeClient | None = None):
        self.client = client or stripe_client()
        self.api = StripeApi(self.client)

    def start(self, request: PaymentRequest) -> GatewayResponse:
        """
        Create the PaymentIntent. The idempotency key is the payment's id, so a retry of the same
        payment (a timeout that reached Stripe after all) gets the same intent, never a second one.
        """
        try:
            amount = minor_units(request.amount, request.currency)
        except ValueError as error:
            return GatewayResponse(is_success=False, error=str(error), code="invalid_amount")
        params = {
            "amount": amount,
            "currency": request.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "description": request.description or f"Order {request.order_number}",
            "metadata": {"order_number": request.order_number, "payment_id": str(request.payment_id)},
        }
        try:
            intent = self.api.create_payment_intent(
                params=params,
                idempotency_key=f"{settings.STRIPE_IDEMPOTENCY_PREFIX}-payment-{request.payment_id}",
                payment_id=request.payment_id,
            )
        except StripeCallError as error:
            return GatewayResponse(is_success=False, error=error.message, code=error.code)
        if not intent.get("id") or not intent.get("client_secret"):
            return GatewayResponse(
                is_success=False, error="Stripe answered without a PaymentIntent.", code="invalid_response"
            )
        return GatewayResponse(
            is_success=True,
            pending=True,
            reference=str(intent["id"]),
            client_secret=str(intent["client_secret"]),
            raw=_summary(intent),
        )

    def refund(self, request: RefundRequest) -> GatewayResponse:
        """
        Refund part or all of the PaymentIntent; the key is the refund's id, so a retried task refunds
        once. A refund Stripe accepted before (`refund_reference`) is read back instead: where it stands.
        """
        if request.refund_reference:
            try:
                refund = self.api.retrieve_refund(
                    refund_reference=request.refund_reference, payment_id=request.payment_id,
                    refund_id=request.refund_id,
                )  # fmt: skip
            except StripeCallError as error:
                return GatewayResponse(is_success=False, error=error.message, code=error.code)
            return refund_response(refund)
        if not request.provider_reference:
            return GatewayResponse(
                is_success=False, error="The card payment has no PaymentIntent to refund.", code="no_reference"
            )
        try:
            amount = minor_units(request.amount, request.currency)
        except ValueError as error:
            return GatewayResponse(is_success=False, error=str(error), code="invalid_amount")
        try:
            refund = self.api.create_refund(
                params={
                    "payment_intent": request.provider_reference,
                    "amount": amount,
                    "metadata": {"refund_id": str(request.refund_id), "payment_id": str(request.payment_id)},
                },
                idempotency_key=f"{settings.STRIPE_IDEMPOTENCY_PREFIX}-refund-{request.refund_id}",
                payment_id=request.payment_id,
                refund_id=request.refund_id,
            )
        except StripeCallError as error:
            return GatewayResponse(is_success=False, error=error.message, code=error.code)
        return refund_response(refund)

    def parse_webhook(self, *, payload: bytes, signature: str) -> CardEvent:
        """The verified event, or `InvalidWebhook` (the view answers 400 and keeps the body)."""
        return verified_event(self.client, payload=payload, signature=signature, secret=settings.STRIPE_WEBHOOK_SECRET)


def refund_response(refund: dict) -> GatewayResponse:
    """What a Stripe Refund says: succeeded, accepted and on its way (`pending`), or failed with Stripe's reason."""
    status = str(refund.get("status") or "")
    if not refund.get("id") or status not in SUCCESSFUL_REFUND:
        reason = str(refund.get("failure_reason") or status or "no refund id")
        return GatewayResponse(
            is_success=False,
            error=f"Stripe did not refund the card ({reason}).",
            code=status or "invalid_response",
            reference=str(refund.get("id") or ""),
            raw=_summary(refund),
        )
    return GatewayResponse(
        is_success=True, pending=status != "succeeded", reference=str(refund["id"]), raw=_summary(refund)
    )


def _summary(obj: dict) -> dict:
    """What is safe to keep of Stripe's answer: never the client secret."""
    return {key: obj[key] for key in ("id", "object", "status", "amount", "currency", "livemode") if key in obj}

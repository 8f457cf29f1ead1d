"""
Stripe's webhook: verify the signature, then read the event into a `CardEvent`, refusing
anything that is not a Stripe event. Applying it is for the payment services, which lock the
payment and ignore what is already done.

    {"id": "evt_...", "object": "event", "type": "payment_intent.succeeded",
     "data": {"object": {"id": "pi_...", "object": "payment_intent", "amount": 146000,
                         "amount_received": 146000, "currency": "kes", "last_payment_error": null, ...}}}

A refund's later news comes as `charge.refund.updated`, `refund.updated` or `refund.failed`, whose
object is the Refund:

     "data": {"object": {"id": "re_...", "object": "refund", "amount": 46000, "currency": "kes",
                         "payment_intent": "pi_...", "status": "failed", "failure_reason": "expired_or_canceled_card",
                         "metadata": {"refund_id": "7", "payment_id": "42"}, ...}}
"""

import logging
from dataclasses import dataclass
from typing import Any

import stripe

logger = logging.getLogger("payments.stripe")

TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE  # older signatures are replays


REFUND_EVENTS = frozenset({"charge.refund.updated", "refund.updated", "refund.failed"})


class InvalidWebhook(Exception):
    """A bad or missing signature, a stale timestamp, or a body that is not a Stripe event."""


@dataclass(frozen=True)
class RefundUpdate:
    """Where one Stripe Refund stands: `status` is pending, requires_action, succeeded, failed or canceled."""

    id: str
    status: str
    failure_reason: str
    payment_intent: str
    refund_id: int | None  # Duka's own refund, from the metadata it was created with


@dataclass(frozen=True)
class CardEvent:
    """
    One Stripe event. For `payment_intent.*` the intent's fields are filled (`amount_minor` is
    what was received for a success, else what was asked); for a refund's news, `refund`; other
    types leave them empty.
    """

    id: str
    type: str
    intent_id: str
    amount_minor: int | None
    currency: str
    failure_code: str
    failure_message: str
    refund: RefundUpdate | None = None


def verified_event(client: stripe.StripeClient, *, payload: bytes, signature: str, secret: str) -> CardEvent:
    if not secret:
        raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set, so no webhook can be verified.")
    if not signature:
        raise InvalidWebhook("The Stripe-Signature header is missing.")
    try:
        event = client.construct_event(payload, signature, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as error:
        logger.warning("Stripe webhook signature refused", extra={"error": error.user_message})
        raise InvalidWebhook(error.user_message or "The signature does not match.") from error
    except ValueError as error:  # signed, but not UTF-8 JSON, or a thin event
        raise InvalidWebhook("The body is not a Stripe event (not JSON).") from error
    except AttributeError as error:  # signed JSON that is not an object: Stripe's reader calls .get on it
        raise InvalidWebhook("The body is not a Stripe event (not a JSON object).") from error
    card_event = event_from_dict(event.to_dict())
    logger.info(
        "Stripe webhook verified",
        extra={
            "stripe_event_id": card_event.id,
            "stripe_event_type": card_event.type,
            "intent_id": card_event.intent_id,
        },
    )
    return card_event


def event_from_dict(data: dict[str, Any]) -> CardEvent:
    event_id, event_type = data.get("id"), data.get("type")
    if data.get("object") != "event" or not isinstance(event_id, str) or not isinstance(event_type, str):
        raise InvalidWebhook("The body is not a Stripe event (no event id or type).")
    container = data.get("data")
    if event_type in REFUND_EVENTS:
        return _refund_event(event_id, event_type, container.get("object") if isinstance(container, dict) else None)
    if not event_type.startswith("payment_intent."):
        return CardEvent(
            id=event_id, type=event_type, intent_id="", amount_minor=None, currency="", failure_code="",
            failure_message="",
        )  # fmt: skip
    intent = container.get("object") if isinstance(container, dict) else None
    if not isinstance(intent, dict) or intent.get("object") != "payment_intent" or not intent.get("id"):
        raise InvalidWebhook(f"The {event_type} event carries no PaymentIntent.")
    amount = intent.get("amount_received" if event_type == "payment_intent.succeeded" else "amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise InvalidWebhook(f"The PaymentIntent's amount is not a whole number of minor units: {amount!r}.")
    error = intent.get("last_payment_error") or {}
    if not isinstance(error, dict):
        error = {}
    return CardEvent(
        id=event_id,
        type=event_type,
        intent_id=str(intent["id"]),
        amount_minor=amount,
        currency=str(intent.get("currency") or "").lower(),
        failure_code=str(error.get("code") or error.get("decline_code") or ""),
        failure_message=str(error.get("message") or ""),
    )


def _refund_event(event_id: str, event_type: str, refund: Any) -> CardEvent:
    if not isinstance(refund, dict) or refund.get("object") != "refund" or not refund.get("id"):
        raise InvalidWebhook(f"The {event_type} event carries no Refund.")
    metadata = refund.get("metadata") if isinstance(refund.get("metadata"), dict) else {}
    own_id = str(metadata.get("refund_id") or "")
    intent = refund.get("payment_intent")
    update = RefundUpdate(
        id=str(refund["id"]),
        status=str(refund.get("status") or ""),
        failure_reason=str(refund.get("failure_reason") or ""),
        payment_intent=intent if isinstance(intent, str) else "",
        refund_id=int(own_id) if own_id.isascii() and own_id.isdigit() and len(own_id) < 19 else None,
    )
    return CardEvent(
        id=event_id, type=event_type, intent_id="", amount_minor=None, currency=str(refund.get("currency") or ""),
        failure_code="", failure_message="", refund=update,
    )  # fmt: skip

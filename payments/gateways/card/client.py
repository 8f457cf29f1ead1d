"""
Stripe over HTTPS, through Stripe's own library, and nothing else: create a PaymentIntent, create
a Refund, read a Refund. What the answers mean for a payment is for `gateway.py`.

The library is built with no network retries: a retry belongs to the caller, who sends the same
idempotency key so Stripe answers the retry with the first result. Every call is logged to
`payments.stripe` with structured `extra`; the secret key, the client secret and card data never
are. (Stripe's own `stripe` logger writes whole response bodies, client secrets included, at
DEBUG: keep that logger at INFO or above in production.)
"""

import logging
import re
import time
from typing import Any

import requests
import stripe
from django.conf import settings

logger = logging.getLogger("payments.stripe")


class StripeCallError(Exception):
    """
    Stripe refused the request or could not be reached. `message` is fit to show a customer or
    staff (never the key); `code` is Stripe's error code, else the kind of failure.
    """

    def __init__(self, message: str, *, code: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account (`STRIPE_API_BASE` points it at another server, e.g. stripe-mock)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
        max_network_retries=0,
    )


class StripeApi:
    def __init__(self, client: stripe.StripeClient):
        self.client = client

    def create_payment_intent(self, *, params: dict[str, Any], idempotency_key: str, payment_id: int) -> dict:
        return self._call(
            "payment_intent.create",
            lambda: self.client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key}),
            log={"payment_id": payment_id},
        )

    def create_refund(self, *, params: dict[str, Any], idempotency_key: str, payment_id: int, refund_id: int) -> dict:
        return self._call(
            "refund.create",
            lambda: self.client.v1.refunds.create(params, {"idempotency_key": idempotency_key}),
            log={"payment_id": payment_id, "refund_id": refund_id},
        )

    def retrieve_refund(self, *, refund_reference: str, payment_id: int, refund_id: int) -> dict:
        return self._call(
            "refund.retrieve",
            lambda: self.client.v1.refunds.retrieve(refund_reference),
            log={"payment_id": payment_id, "refund_id": refund_id},
        )

    def _call(self, call: str, send, *, log: dict[str, Any]) -> dict:
        log = {"stripe_call": call, **log}
        started = time.monotonic()
        try:
            answer = send()
        except stripe.StripeError as error:
            failure = _readable(error)
            logger.warning(
                "Stripe call failed",
                extra={
                    **log,
                    "status": error.http_status,
                    "duration_ms": _ms(started),
                    "error_code": failure.code,
                    "stripe_request_id": error.request_id or "",
                },
            )
            raise failure from error
        response = answer.last_response
        body = answer.to_dict()
        logger.info(
            "Stripe call",
            extra={
                **log,
                "status": response.code if response else None,
                "duration_ms": _ms(started),
                "stripe_id": str(body.get("id", "")),
                "stripe_status": str(body.get("status", "")),
                "stripe_request_id": (response.request_id if response else "") or "",
            },
        )
        return body


def _readable(error: stripe.StripeError) -> StripeCallError:
    """What to tell people about a Stripe failure: Stripe's own words for a refused request, ours for the rest."""
    status = error.http_status
    if isinstance(error, stripe.APIConnectionError):
        if isinstance(error.__cause__, requests.Timeout):
            return StripeCallError("Stripe did not answer in time; please try again.", code="timeout")
        return StripeCallError("Stripe could not be reached; please try again.", code="api_connection_error")
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        # Stripe's text quotes (part of) the key: say what is wrong without it.
        return StripeCallError(
            "Stripe refused the shop's API key (STRIPE_SECRET_KEY); card payments are unavailable.",
            code="authentication_error" if isinstance(error, stripe.AuthenticationError) else "permission_error",
            status=status,
        )
    if isinstance(error, stripe.RateLimitError):
        return StripeCallError("Stripe is busy; please try again in a moment.", code="rate_limit", status=status)
    body = error.json_body if isinstance(error.json_body, dict) else {}
    detail = body.get("error") if isinstance(body.get("error"), dict) else {}
    stripe_message = str(detail.get("message") or "")
    code = str(error.code or detail.get("code") or detail.get("type") or _snake(error))
    if isinstance(error, stripe.CardError | stripe.InvalidRequestError | stripe.IdempotencyError) and stripe_message:
        return StripeCallError(_scrub(stripe_message), code=code, status=status)
    # A 5xx, or an answer that is not Stripe's JSON: its body is no message for a customer.
    detail = f" ({_scrub(stripe_message)})" if stripe_message else ""
    return StripeCallError(
        f"Stripe could not process the request (HTTP {status or 'error'}){detail}; please try again.",
        code=code,
        status=status,
    )


def _snake(error: Exception) -> str:
    """`APIError` → `api_error`: the error's class when Stripe gave no code."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", type(error).__name__).lower()


def _scrub(text: str) -> str:
    key = settings.STRIPE_SECRET_KEY
    return text.replace(key, "[redacted]") if key else text


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

import hashlib
import hmac
import json
import socket
import time

import pytest

from orders.tests.conftest import address, charger, phone, place  # noqa: F401  (shared order fixtures)

SHORTCODE = "174379"
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
CALLBACK_TOKEN = "cb-token-for-tests-0123456789abcdef"


@pytest.fixture
def daraja(httpserver, settings):
    """Settings pointing M-Pesa at a Daraja-compatible server on loopback; returns the server."""
    settings.MPESA_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.MPESA_CONSUMER_KEY = "consumer-key"
    settings.MPESA_CONSUMER_SECRET = "consumer-secret-never-logged"
    settings.MPESA_SHORTCODE = SHORTCODE
    settings.MPESA_PASSKEY = PASSKEY
    settings.MPESA_PARTY_B = SHORTCODE
    settings.MPESA_TRANSACTION_TYPE = "CustomerPayBillOnline"
    settings.MPESA_CALLBACK_BASE_URL = "https://shop.example.com"
    settings.MPESA_CALLBACK_TOKEN = CALLBACK_TOKEN
    settings.MPESA_CALLBACK_ALLOWED_IPS = []
    settings.MPESA_READ_TIMEOUT = 2.0
    return httpserver


def token_ok(server, token: str = "token-1", expires_in="3599"):
    server.expect_request(
        "/oauth/v1/generate", method="GET", query_string="grant_type=client_credentials"
    ).respond_with_json({"access_token": token, "expires_in": expires_in})


def push_accepted(server, checkout_id: str = "ws_CO_01122026101500123456"):
    server.expect_oneshot_request("/mpesa/stkpush/v1/processrequest", method="POST").respond_with_json(
        {
            "MerchantRequestID": "29115-34620561-1",
            "CheckoutRequestID": checkout_id,
            "ResponseCode": "0",
            "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing",
        }
    )


def stk_callback(
    checkout_id: str,
    *,
    code: int = 0,
    amount=1460,
    receipt="NLJ7RT61SV",
    msisdn=254712345678,
    desc: str = "The service request is processed successfully.",
) -> dict:
    """Daraja's callback as it really comes (note the `Balance` item without a Value)."""
    body = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout_id,
        "ResultCode": code,
        "ResultDesc": desc,
    }
    if code == 0:
        body["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20261201101530},
                {"Name": "PhoneNumber", "Value": msisdn},
            ]
        }
    return {"Body": {"stkCallback": body}}


# --- Stripe ---------------------------------------------------------------------------------------

STRIPE_SECRET_KEY = "sk_test_51DukaTestKey0123456789neverLogged"
STRIPE_WEBHOOK_SECRET = "whsec_duka_test_0123456789abcdef"


@pytest.fixture
def stripe_fake(httpserver, settings):
    """Settings pointing card payments at a Stripe-compatible server on loopback; returns the server."""
    settings.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    settings.STRIPE_TIMEOUT = 2.0
    return httpserver


def payment_intent(
    intent_id: str = "pi_3QDuka0000000001",
    *,
    amount: int = 146000,
    currency: str = "kes",
    status: str = "requires_payment_method",
    amount_received: int = 0,
    last_payment_error: dict | None = None,
) -> dict:
    """A PaymentIntent as Stripe's API and webhooks show it (the fields Duka reads, and a few it does not)."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount_received,
        "currency": currency,
        "status": status,
        "client_secret": f"{intent_id}_secret_T3stCl13ntS3cr3t",
        "automatic_payment_methods": {"enabled": True},
        "last_payment_error": last_payment_error,
        "livemode": False,
        "metadata": {},
    }


def intent_created(server, intent_id: str = "pi_3QDuka0000000001", **fields):
    server.expect_request("/v1/payment_intents", method="POST").respond_with_json(payment_intent(intent_id, **fields))


def stripe_event(event_type: str, intent: dict, *, event_id: str = "evt_3QDuka0000000001") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "type": event_type,
        "data": {"object": intent},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }


def intent_succeeded(intent_id: str, *, amount_received: int = 146000, event_id: str = "evt_succeeded_1") -> dict:
    """Stripe's `payment_intent.succeeded` event for `intent_id`."""
    intent = payment_intent(intent_id, status="succeeded", amount_received=amount_received)
    return stripe_event("payment_intent.succeeded", intent, event_id=event_id)


def card_webhook(client, event: dict, *, signature: str | None = None):
    """Stripe's POST of `event` to the webhook endpoint, signed unless `signature` says otherwise."""
    payload = json.dumps(event).encode()
    return client.generic(
        "POST",
        "/api/v1/payments/card/webhook",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload) if signature is None else signature,
    )


def stripe_signature(payload: bytes, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header, computed as Stripe documents it (not with Stripe's library)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def unreachable_url() -> str:
    """A loopback address nothing listens on: Stripe is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"

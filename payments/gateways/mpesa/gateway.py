"""M-Pesa as a gateway (payments/interface.py): what Daraja's answers mean for a payment."""

import math
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from payments.gateways.mpesa.client import DarajaClient, DarajaError
from payments.gateways.mpesa.results import result_from_code
from payments.interface import GatewayResponse, PaymentRequest, PaymentResult, RefundRequest

MIN_AMOUNT, MAX_AMOUNT = 1, 250_000
# Daraja's documentation forbids these words in callback URLs, in any case: neither Duka's path
# nor the origin may contain them.
WORDS_DARAJA_REFUSES = ("m-pesa", "mpesa", "safaricom", "exe", "cmd", "sql", "query")
DESCRIPTION = "Order payment"  # TransactionDesc: 13 characters at most


def mpesa_configured() -> bool:
    return all(
        (
            settings.MPESA_CONSUMER_KEY,
            settings.MPESA_CONSUMER_SECRET,
            settings.MPESA_SHORTCODE,
            settings.MPESA_PASSKEY,
            settings.MPESA_CALLBACK_BASE_URL,
        )
    )


def mpesa_amount(total: Decimal) -> int:
    """M-Pesa takes whole shillings: the total rounded up to the next shilling."""
    return math.ceil(total)


def callback_url() -> str:
    path = reverse("mpesa-stk-callback", kwargs={"token": settings.MPESA_CALLBACK_TOKEN})
    return settings.MPESA_CALLBACK_BASE_URL + path


def callback_url_problems(base_url: str) -> list[str]:
    """What Daraja would object to in the callback origin (used by the system check)."""
    problems = []
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        problems.append("MPESA_CALLBACK_BASE_URL must be an https:// origin that Safaricom can reach.")
    if parts.path not in ("", "/"):
        problems.append("MPESA_CALLBACK_BASE_URL is an origin only (no path): Duka adds the path.")
    words = [word for word in WORDS_DARAJA_REFUSES if word in base_url.lower()]
    if words:
        problems.append(f"Daraja refuses callback URLs containing {', '.join(words)}: use another host name.")
    return problems


class MpesaGateway:
    def __init__(self, client: DarajaClient | None = None):
        self.client = client or DarajaClient.from_settings()

    def start(self, request: PaymentRequest) -> GatewayResponse:
        try:
            accepted = self.client.stk_push(
                amount=mpesa_amount(request.amount),
                phone=request.phone,
                callback_url=callback_url(),
                account_reference=request.order_number,
                description=DESCRIPTION,
                transaction_type=settings.MPESA_TRANSACTION_TYPE,
                party_b=settings.MPESA_PARTY_B or settings.MPESA_SHORTCODE,
            )
        except DarajaError as error:
            return GatewayResponse(is_success=False, error=error.message, code=error.code)
        return GatewayResponse(
            is_success=True,
            pending=True,
            reference=accepted.checkout_request_id,
            secondary_reference=accepted.merchant_request_id,
            raw=accepted.raw,
        )

    def query(self, checkout_request_id: str) -> PaymentResult | GatewayResponse:
        """The payment's outcome by STK query, or a GatewayResponse error when Daraja could not tell."""
        try:
            answer = self.client.stk_query(checkout_request_id=checkout_request_id)
        except DarajaError as error:
            return GatewayResponse(is_success=False, error=error.message, code=error.code)
        if answer.pending:
            return PaymentResult(succeeded=False, still_pending=True, reason=answer.result_desc)
        # The query does not return the receipt, amount or phone; a success is confirmed by them
        # only when the callback arrives, so the services record it without a receipt.
        return result_from_code(answer.result_code, answer.result_desc)

    def refund(self, request: RefundRequest) -> GatewayResponse:
        return GatewayResponse(
            is_success=False,
            pending=True,
            error="Reverse it in the M-Pesa portal, then record the reversal reference on the refund.",
        )

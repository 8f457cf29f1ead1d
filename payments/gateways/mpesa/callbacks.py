"""
Daraja's STK callback: parse the payload into a dataclass (refusing anything malformed), then
apply it (`apply_stk_callback`) through the payment services, which lock the payment and ignore
what is already done.

    {"Body": {"stkCallback": {"MerchantRequestID": "...", "CheckoutRequestID": "ws_CO_...",
      "ResultCode": 0, "ResultDesc": "The service request is processed successfully.",
      "CallbackMetadata": {"Item": [{"Name": "Amount", "Value": 1.0},
        {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}, {"Name": "Balance"},
        {"Name": "TransactionDate", "Value": 20191219102115}, {"Name": "PhoneNumber", "Value": 254708374149}]}}}}
"""

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.parsers import json_loads
from core.serializers import storable
from payments import services
from payments.gateways.mpesa.results import result_from_code
from payments.interface import PaymentResult
from payments.models import NotificationOutcome, Payment

logger = logging.getLogger("payments.mpesa")


class MalformedCallback(ValueError):
    pass


@dataclass(frozen=True)
class StkCallback:
    merchant_request_id: str
    checkout_request_id: str
    result_code: str
    result_desc: str
    amount: Decimal | None = None
    receipt: str = ""
    phone: str = ""
    transaction_date: str = ""

    def result(self) -> PaymentResult:
        return result_from_code(
            self.result_code, self.result_desc, amount=self.amount, receipt=self.receipt, phone=self.phone
        )


def _text(value: Any, *, name: str, limit: int = 64, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise MalformedCallback(f"{name} must be text.")
    text = str(value).strip()
    if (required and not text) or len(text) > limit:
        raise MalformedCallback(f"{name} is missing or too long.")
    if not storable(text):
        raise MalformedCallback(f"{name} holds characters that are not text.")
    return text


def parse_stk_callback(body: Any) -> StkCallback:
    try:
        stk = body["Body"]["stkCallback"]
    except (KeyError, TypeError) as exc:
        raise MalformedCallback("Expected {'Body': {'stkCallback': {...}}}.") from exc
    if not isinstance(stk, dict):
        raise MalformedCallback("stkCallback must be an object.")
    code = stk.get("ResultCode")
    if isinstance(code, bool) or not isinstance(code, int | str) or not str(code).strip().lstrip("-").isdigit():
        raise MalformedCallback("ResultCode must be a number.")
    callback = {
        "merchant_request_id": _text(stk.get("MerchantRequestID"), name="MerchantRequestID", required=False),
        "checkout_request_id": _text(stk.get("CheckoutRequestID"), name="CheckoutRequestID"),
        "result_code": str(code).strip(),
        "result_desc": _text(stk.get("ResultDesc", ""), name="ResultDesc", limit=500, required=False),
    }
    items = _metadata(stk.get("CallbackMetadata"))
    if callback["result_code"] == "0":
        try:
            amount = Decimal(str(items["Amount"]))
        except (KeyError, InvalidOperation) as exc:
            raise MalformedCallback("A successful callback must carry the Amount.") from exc
        if not amount.is_finite() or amount <= 0:
            raise MalformedCallback("The Amount must be a positive number.")
        callback.update(
            amount=amount,
            receipt=_text(items.get("MpesaReceiptNumber"), name="MpesaReceiptNumber", limit=32),
            phone=_text(items.get("PhoneNumber"), name="PhoneNumber", limit=16, required=False),
            transaction_date=_text(items.get("TransactionDate"), name="TransactionDate", limit=20, required=False),
        )
    return StkCallback(**callback)


def _metadata(metadata: Any) -> dict[str, Any]:
    """`{"Item": [{"Name": ..., "Value": ...}]}` as a dict; an item may come without a Value (`Balance`)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not isinstance(metadata.get("Item", []), list):
        raise MalformedCallback("CallbackMetadata.Item must be a list.")
    items = {}
    for item in metadata.get("Item", []):
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise MalformedCallback("Every CallbackMetadata item needs a Name.")
        if "Value" in item:
            items[item["Name"]] = item["Value"]
    return items


def apply_stk_callback(*, raw: bytes, notification) -> str:
    """
    Read the stored body and apply it; returns the notification's outcome. A malformed body
    raises `MalformedCallback` (the view answers 400); an unknown CheckoutRequestID is kept, not applied.
    """
    try:
        callback = parse_stk_callback(json_loads(raw))
    except ValueError as error:
        raise MalformedCallback(str(error)) from error
    notification.reference = callback.checkout_request_id
    payment = Payment.objects.filter(checkout_request_id=callback.checkout_request_id).first()
    if payment is None:
        notification.note = "No payment has this CheckoutRequestID."
        logger.warning("STK callback for an unknown CheckoutRequestID",
                       extra={"checkout_request_id": callback.checkout_request_id})  # fmt: skip
        return NotificationOutcome.UNKNOWN
    notification.payment = payment
    notification.note = callback.result_desc[:255]
    _, outcome = services.payment_apply_result(payment_id=payment.pk, result=callback.result())
    return outcome

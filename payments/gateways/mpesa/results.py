"""What M-Pesa's result codes mean for a payment, shared by the callback and the STK query."""

from typing import Any

from payments.interface import PaymentResult

# What the customer is told for the result codes M-Pesa sends most.
RESULT_REASONS = {
    "1": "The M-Pesa balance was not enough for this payment.",
    "1001": "Another M-Pesa transaction was in progress on this phone; please try again.",
    "1019": "The M-Pesa request expired before it was completed.",
    "1025": "M-Pesa could not send the payment request to the phone; please try again.",
    "1032": "The M-Pesa request was cancelled on the phone.",
    "1037": "The phone could not be reached (it may be off or out of network).",
    "2001": "The M-Pesa PIN entered was wrong.",
    "9999": "M-Pesa could not send the payment request to the phone; please try again.",
}


def result_from_code(code: str, description: str, **paid: Any) -> PaymentResult:
    if code == "0":
        return PaymentResult(succeeded=True, code=code, reason=description, **paid)
    reason = RESULT_REASONS.get(code) or (description.strip() or f"M-Pesa result {code}")
    return PaymentResult(succeeded=False, code=code, reason=reason[:255])

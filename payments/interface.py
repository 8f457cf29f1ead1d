"""
The contract every gateway implements. A decline, a timeout or a gateway error is a result
(`GatewayResponse(is_success=False, error=...)`), never an exception: the services decide what
it means for the payment and the order, and the HTTP answer.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class PaymentRequest:
    payment_id: int
    order_number: str
    amount: Decimal
    currency: str
    method: str = ""
    phone: str = ""
    description: str = ""


@dataclass(frozen=True)
class RefundRequest:
    """
    Give `amount` of a payment back. `provider_reference` is the payment's own reference at the
    gateway; `refund_reference` the gateway's id for this refund when it accepted it before (a gateway
    then reports where it stands instead of refunding again).
    """

    payment_id: int
    refund_id: int
    provider_reference: str
    amount: Decimal
    currency: str
    refund_reference: str = ""


@dataclass(frozen=True)
class GatewayResponse:
    """
    What a gateway said. `reference` is its id for the request (a CheckoutRequestID, a
    PaymentIntent, a refund); `pending` means it accepted the request and the outcome comes later.
    """

    is_success: bool
    error: str = ""
    code: str = ""
    reference: str = ""
    secondary_reference: str = ""
    pending: bool = False
    client_secret: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentResult:
    """The final word on a payment, from a callback, a webhook, a status query or the simulator."""

    succeeded: bool
    still_pending: bool = False
    code: str = ""
    reason: str = ""
    receipt: str = ""
    amount: Decimal | None = None
    phone: str = ""


class PaymentGateway(Protocol):
    def start(self, request: PaymentRequest) -> GatewayResponse: ...

    def refund(self, request: RefundRequest) -> GatewayResponse: ...

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from core.exceptions import ConflictError


class GatewayError(APIException):
    """The gateway refused or failed the request; the detail is its own message."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The payment provider could not process the request."
    default_code = "gateway_error"


class PaymentNotPending(ConflictError):
    default_detail = "This payment is no longer waiting for a result."
    default_code = "payment_not_pending"


class SimulationDisabled(NotFound):
    default_detail = "Payment simulation is switched off (PAYMENTS_SIMULATION)."


class PaymentNotExtra(ConflictError):
    default_detail = "Only a payment that came on top of an already paid order is refunded on its own."
    default_code = "payment_not_extra"

"""Order errors, each with the code API.md gives it (see core.exceptions for the envelope)."""

from rest_framework import status
from rest_framework.exceptions import APIException

from core.exceptions import ConflictError
from core.exceptions import InvalidTransition as InvalidTransition  # the status machines' one error


class PaymentMethodUnavailable(ConflictError):
    default_detail = "This payment method cannot be used for this order."
    default_code = "payment_method_unavailable"


class RefundNotAllowed(ConflictError):
    default_detail = "Nothing on this order can be refunded."
    default_code = "refund_not_allowed"


class OrderNotPayable(ConflictError):
    default_detail = "This order is not waiting for a payment."
    default_code = "order_not_payable"


class AlreadyPaid(ConflictError):
    default_detail = "This order is already paid."
    default_code = "already_paid"


class CartEmpty(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The cart is empty: add items, or send `items` with the order."
    default_code = "cart_empty"

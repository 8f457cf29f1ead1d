"""Errors of the cart's own; stock and coupon errors come from catalog (`InsufficientStock`, `coupon_check`)."""

from rest_framework import status
from rest_framework.exceptions import APIException


class InvalidCartToken(APIException):
    """The `X-Cart-Token` header is not a UUID: a client bug, told apart from a merely unknown token."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The X-Cart-Token header must be the UUID a cart response gave as `token`."
    default_code = "invalid_cart_token"


class CartGone(APIException):
    """The cart was deleted (merged or purged) while this request was using it."""

    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "This cart no longer exists; fetch the cart again to get a new one."
    default_code = "not_found"

"""
Business errors shared by every app.

Each carries a `default_code` that becomes `errors[].code` in API.md's envelope; the one
exception handler (drf-standardized-errors) renders them, so services just raise.
"""

from rest_framework import status
from rest_framework.exceptions import APIException


class ConflictError(APIException):
    """The request is valid but conflicts with the resource's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class ServiceUnavailableError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request depends on is unavailable."
    default_code = "service_unavailable"

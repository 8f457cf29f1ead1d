"""
Business errors shared by every app.

Each carries a `default_code` that becomes `errors[].code` in API.md's envelope; the one
exception handler (drf-standardized-errors) renders them, so services just raise.
"""

import logging

from drf_standardized_errors.handler import ExceptionHandler as StandardizedExceptionHandler
from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed, ErrorDetail

logger = logging.getLogger("duka.errors")


class ConflictError(APIException):
    """The request is valid but conflicts with the resource's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class ServiceUnavailableError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request depends on is unavailable."
    default_code = "service_unavailable"


class ExceptionHandler(StandardizedExceptionHandler):
    """
    drf-standardized-errors' handler, with simplejwt's errors reduced to one envelope entry, and
    a gateway's or dependency's failure (502, 503) logged as a warning instead of reported as a
    crash: it is Daraja or Redis being down, not a bug here, and error trackers should stay quiet.
    """

    def report_exception(self, exc: APIException, response) -> None:
        if exc.status_code in (status.HTTP_502_BAD_GATEWAY, status.HTTP_503_SERVICE_UNAVAILABLE):
            request = getattr(self.context.get("request"), "_request", None)
            logger.warning("%s: %s", exc.detail, getattr(request, "path", ""), extra={"status_code": exc.status_code})
            return
        super().report_exception(exc, response)

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        exc = super().convert_known_exceptions(exc)
        # simplejwt's detail is a dict {"detail", "code", "messages"}; formatted as is, each key
        # would become an error of its own with `attr` "code" or "messages.0.token_class".
        if isinstance(exc, AuthenticationFailed) and isinstance(exc.detail, dict) and "detail" in exc.detail:
            code = exc.detail.get("code") or exc.default_code
            exc.detail = ErrorDetail(str(exc.detail["detail"]), code=str(code))
        return exc

"""
Business errors shared by every app.

Each carries a `default_code` that becomes `errors[].code` in API.md's envelope; the one
exception handler (drf-standardized-errors) renders them, so services just raise.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError
from drf_standardized_errors.handler import ExceptionHandler as StandardizedExceptionHandler
from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed, ErrorDetail, ParseError

from core import constraints
from core.parsers import RequestTooLarge

logger = logging.getLogger("duka.errors")


class ConflictError(APIException):
    """The request is valid but conflicts with the resource's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class InvalidTransition(ConflictError):
    """A status machine (orders, repairs) does not allow this move from the current status."""

    default_detail = "This move is not allowed from the current status."
    default_code = "invalid_transition"


class ServiceUnavailableError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request depends on is unavailable."
    default_code = "service_unavailable"


class ExceptionHandler(StandardizedExceptionHandler):
    """
    drf-standardized-errors' handler, with simplejwt's errors reduced to one envelope entry, and
    a gateway's or dependency's failure (502, 503) logged as a warning instead of reported as a
    crash: it is Daraja or Redis being down, not a bug here, and error trackers should stay quiet.

    What a client can provoke below the view is answered as a client error too: a body over
    `DATA_UPLOAD_MAX_MEMORY_SIZE` → 413 `request_too_large`; Django's other refusals of a request
    (too many fields, a bad host) → 400 `bad_request`; an `IntegrityError` (two requests racing
    for one value) → 409 `duplicate` or `conflict`, see `integrity_conflict`.
    """

    def report_exception(self, exc: APIException, response) -> None:
        if exc.status_code in (status.HTTP_502_BAD_GATEWAY, status.HTTP_503_SERVICE_UNAVAILABLE):
            request = getattr(self.context.get("request"), "_request", None)
            logger.warning("%s: %s", exc.detail, getattr(request, "path", ""), extra={"status_code": exc.status_code})
            return
        super().report_exception(exc, response)

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        if isinstance(exc, SuspiciousOperation):
            return ParseError("The request was refused as malformed.", code="bad_request")
        if isinstance(exc, IntegrityError):
            return integrity_conflict(exc)
        exc = super().convert_known_exceptions(exc)
        # simplejwt's detail is a dict {"detail", "code", "messages"}; formatted as is, each key
        # would become an error of its own with `attr` "code" or "messages.0.token_class".
        if isinstance(exc, AuthenticationFailed) and isinstance(exc.detail, dict) and "detail" in exc.detail:
            code = exc.detail.get("code") or exc.default_code
            exc.detail = ErrorDetail(str(exc.detail["detail"]), code=str(code))
        return exc


def integrity_conflict(error: IntegrityError) -> ConflictError:
    """
    409 for a write the database refused although the serializer and the service let it through:
    a unique value another request took a moment earlier (`duplicate`, `attr` naming the field when
    the constraint covers one), or a row that changed meanwhile (`conflict`). Logged, so a missing
    check shows up even when no race explains it.
    """
    violation = constraints.violation_of(error)
    logger.warning(
        "Integrity error answered 409: %s %s",
        violation.kind,
        violation.constraint,
        extra={"constraint": violation.constraint, "fields": violation.fields},
    )
    attr = violation.fields[0] if len(violation.fields) == 1 else None
    if violation.kind == constraints.UNIQUE:
        if attr:
            message = f"This {attr} is already in use (another request may have just taken it)."
        elif violation.fields:
            message = f"This combination of {', '.join(violation.fields)} already exists."
        else:
            message = "This already exists (another request may have just created it)."
        code = "duplicate"
    else:
        message = "The request conflicts with a change made at the same time; reload and try again."
        code = "conflict"
    detail = ErrorDetail(message, code=code)
    return ConflictError({attr: [detail]} if attr else detail, code=code)

"""
The error answers in the OpenAPI schema: API.md's one envelope, as the server sends it.

drf-standardized-errors decides which error statuses an operation can answer (400 when it parses a
body or filters, 401 when it authenticates, 403 when a permission can refuse, 404 for paths with
ids and paginated lists, 405, 406, 415, 429 when throttled); `AutoSchema` adds 413 to every
operation that takes a body, and 409 to every write (a unique value taken by a request racing this
one is answered 409 `duplicate` by the exception handler, whatever the operation). The bodies are
these three envelopes rather than the library's per-field code enumerations: services raise codes
of their own (`quantity_limit`, `invalid_otp`, `variant_required`, …) on any field, so a closed
list per field would promise less than is sent.
Business conflicts (409, replacing the generic one) and gateway failures (502) are declared per
operation with `conflict()` and `bad_gateway()`. The one error that is not the envelope is 414, which
the web server in front answers for a request line too long (`add_uri_too_long`).
"""

from drf_spectacular.utils import OpenApiResponse
from drf_standardized_errors.handler import exception_handler as standardized_errors_handler
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework import serializers

BODY_METHODS = ("POST", "PUT", "PATCH")
WRITE_METHODS = (*BODY_METHODS, "DELETE")
ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`validation_error`, each error naming its field in `attr`) or a body that cannot be "
    "parsed (`client_error`); nothing was changed.",
    "401": "No token, or an invalid or expired one.",
    "403": "Signed in, but this role may not do it.",
    "404": "Not found, or not the caller's.",
    "405": "This method is not allowed here.",
    "406": "The `Accept` header asks for a format the server does not produce.",
    "409": "Conflicts with the current state: a unique value another request took a moment earlier (`duplicate`, "
    "naming the field in `attr`) or another constraint (`conflict`); nothing was changed.",
    "413": "The body is too large.",
    "415": "The `Content-Type` is not one this operation reads.",
    "429": "Too many requests (or, when signing in, a locked-out account): retry after `Retry-After` seconds.",
}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable: `required`, `invalid`, `not_found`, or a business code from API.md "
        "(`out_of_stock`, `invalid_transition`, …)."
    )
    detail = serializers.CharField(help_text="Human-readable, in English.")
    attr = serializers.CharField(
        allow_null=True, help_text="The input field at fault, as a dotted path (`items.0.quantity`), or null."
    )


class ValidationErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["validation_error", "client_error"],
        help_text="`validation_error` for invalid input, `client_error` for a body that cannot be parsed.",
    )
    errors = ErrorSerializer(many=True)


class ClientErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = ErrorSerializer(many=True)


class ServerErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["server_error"])
    errors = ErrorSerializer(many=True)


class AutoSchema(StandardizedErrorsAutoSchema):
    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code == "409":
            return (
                self.method in WRITE_METHODS
                and status_code not in responses
                and self.view.get_exception_handler() is standardized_errors_handler
            )
        if status_code == "413":
            # Any operation reading a body refuses one over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE).
            return (
                self.method in BODY_METHODS
                and status_code not in responses
                and self.view.get_exception_handler() is standardized_errors_handler
            )
        return super()._should_add_error_response(responses, status_code)

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if not response.get("description") and str(status_code) in ERROR_DESCRIPTIONS:
            response["description"] = ERROR_DESCRIPTIONS[str(status_code)]
        return response


def client_error(description: str) -> OpenApiResponse:
    """A 4xx in the envelope, for an operation's own reasons; name the codes in `description`."""
    return OpenApiResponse(response=ClientErrorResponseSerializer, description=description)


def conflict(description: str) -> OpenApiResponse:
    """A 409: the request is valid but the resource's state forbids it; name the codes in `description`."""
    return client_error(description)


def bad_gateway(description: str) -> OpenApiResponse:
    """A 502: the payment gateway refused or did not answer; name the codes in `description`."""
    return OpenApiResponse(response=ServerErrorResponseSerializer, description=description)


URI_TOO_LONG = {
    "description": "The path and query are longer than the server reads (gunicorn's `--limit-request-line`, "
    "4094 bytes by default). The web server answers this itself, before Duka, as an HTML page, not the envelope.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def add_uri_too_long(result: dict, generator, request, public) -> dict:
    """
    A spectacular postprocessing hook: every operation can meet a 414, because the request line is
    refused by the server in front of Django whatever the operation; saying so keeps the schema true
    for a client (or fuzzer) that sends a very long query.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("414", URI_TOO_LONG)
    return result

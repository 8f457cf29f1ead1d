"""
The request-body parsers of the API: DRF's, with limits a hostile body cannot get past.

Body size: a JSON (or form) body above `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused by Django before
it is read, and the exception handler answers 413 `request_too_large`; a multipart upload gets its
own larger cap here, checked on `Content-Length` before anything is read.
"""

import json

from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

# Deeper than any body of API.md (an order's items hold objects two levels down); far below
# Python's recursion limit, which json, DRF's serializers and the database adapter all meet.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels."

# One image of at most 5 MB (catalog/services/images.py) with its form fields fits with room to
# spare: uploads up to here reach the image checks (400 `image_too_large` above 5 MB).
MAX_MULTIPART_BYTES = 10 * 1024 * 1024


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than `MAX_JSON_DEPTH` (400 `parse_error`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - {TOO_DEEP}") from None
        if _deeper_than(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - {TOO_DEEP}")
        return data


def json_loads(raw: bytes | str):
    """`json.loads` with the API's nesting limit, for bodies read outside DRF (gateway callbacks); ValueError if bad."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    if _deeper_than(data, MAX_JSON_DEPTH):
        raise ValueError(TOO_DEEP)
    return data


def _deeper_than(data, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` levels deep (iterative: no recursion)."""
    level = [data] if isinstance(data, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
    return False


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing (413) an upload whose declared size is over `MAX_MULTIPART_BYTES` unread."""

    max_bytes = MAX_MULTIPART_BYTES

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.max_bytes:
            raise RequestTooLarge(f"The upload is larger than {self.max_bytes // (1024 * 1024)} MB.")
        return super().parse(stream, media_type, parser_context)

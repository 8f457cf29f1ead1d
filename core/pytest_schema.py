"""
pytest plugin (conftest.py loads it): every answer a test gets from a documented API operation must
be one the OpenAPI schema documents for it, with the documented content type and a body that
validates against the documented schema. The suite's requests thus check the schema the way
`make fuzz` does, on every run: a new status code, a field that became nullable, or a body no
longer matching its serializer fails the test that saw it.

Requests to paths or methods the schema does not document (unknown paths answer the 404 envelope,
wrong methods 405), OPTIONS, and streamed files are not checked. A test that means to send
something the schema cannot describe marks itself `@pytest.mark.undocumented_response`.
"""

import json
import threading
from functools import cache

import pytest
import requests
import schemathesis
from django.test.client import Client
from schemathesis.core.failures import Failure, FailureGroup

API_PREFIX = "/api/v1/"


class UndocumentedResponse(AssertionError):
    pass


_schema_lock = threading.Lock()


def api_schema():
    # Race tests send their first requests from several threads at once; drf-spectacular's
    # generator is not safe to run twice concurrently.
    with _schema_lock:
        return _api_schema()


@cache
def _api_schema():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))


def check_response(method: str, path: str, response) -> None:
    """Raise `UndocumentedResponse` when the schema does not describe `response` to `method path`."""
    operation = api_schema().find_operation_by_path(method, path if path.endswith("/") else path + "/")
    if operation is None or getattr(response, "streaming", False):
        return
    name = f"{method} {operation.path}"
    documented = operation.definition.raw["responses"]
    status = str(response.status_code)
    if status not in documented:
        raise UndocumentedResponse(
            f"{name} answered {status}, which its schema does not list ({', '.join(sorted(documented))}): "
            f"document it (extend_schema responses, core/openapi.py) or fix the view. Body: {response.content[:300]!r}"
        )
    content_types = documented[status].get("content") or {}
    received = response.get("Content-Type", "").split(";")[0].strip()
    if not content_types:
        if response.content:
            raise UndocumentedResponse(f"{name} answered {status} with a {received} body the schema does not describe")
        return
    if received not in content_types:
        raise UndocumentedResponse(f"{name} answered {status} as {received!r}; the schema says {list(content_types)}")
    wire = schemathesis.Response(
        status_code=response.status_code,
        headers={key.lower(): [value] for key, value in response.items()},
        content=response.content,
        request=requests.Request(method, "http://testserver" + path).prepare(),
        elapsed=0.0,
        verify=True,
    )
    try:
        operation.validate_response(wire)
    except (Failure, FailureGroup) as failures:
        raise UndocumentedResponse(f"{name} answered {status} with a body its schema refuses:\n{failures}") from None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "undocumented_response: the test's API answers are not checked against the OpenAPI schema"
    )


@pytest.fixture(autouse=True)
def _responses_match_the_schema(request, monkeypatch):
    if request.node.get_closest_marker("undocumented_response"):
        yield
        return
    send = Client.request

    def checked_request(self, **environ):
        response = send(self, **environ)
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET").upper()
        if path.startswith(API_PREFIX) and method != "OPTIONS":
            check_response(method, path, response)
        return response

    monkeypatch.setattr(Client, "request", checked_request)
    yield

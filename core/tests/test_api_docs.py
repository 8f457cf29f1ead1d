"""The OpenAPI schema and its two viewers, served by the app itself without any CDN."""

import re

import pytest

from core.pytest_schema import UndocumentedResponse, check_response

DOC_PAGES = ["/api/docs/", "/api/redoc/"]
CDN_MARKERS = ["cdn.", "jsdelivr", "unpkg", "googleapis", "gstatic", "cloudflare"]


def asset_urls(html: str) -> list[str]:
    """Every URL the page makes the browser load: scripts, stylesheets, icons, preconnects."""
    return re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return response.json()


def test_schema_is_an_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Duka API"


def test_schema_lists_the_accounts_endpoints(schema):
    expected = {
        "/api/v1/auth/register/",
        "/api/v1/auth/login/",
        "/api/v1/auth/refresh/",
        "/api/v1/auth/me/",
        "/api/v1/addresses/",
        "/api/v1/addresses/{id}/",
    }

    assert expected <= set(schema["paths"])


def test_schema_is_served_as_json_when_the_client_asks_for_openapi_json(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/api/v1/auth/login/" in response.json()["paths"]


def test_schema_answers_without_trailing_slash(client):
    response = client.get("/api/schema", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_schema_needs_no_token(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200


@pytest.mark.parametrize("path", DOC_PAGES)
def test_doc_page_is_html(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", DOC_PAGES)
def test_doc_page_names_no_cdn(client, path):
    html = client.get(path).content.decode()

    for marker in CDN_MARKERS:
        assert marker not in html, f"{path} loads something from a CDN ({marker})"


@pytest.mark.parametrize("path", DOC_PAGES)
def test_doc_page_loads_only_assets_of_this_server(client, path):
    html = client.get(path).content.decode()

    urls = asset_urls(html)
    assert urls, f"{path} references no assets at all"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url} from another host"


@pytest.mark.parametrize("path", DOC_PAGES)
def test_every_asset_of_a_doc_page_is_served(client, path):
    html = client.get(path).content.decode()

    for url in asset_urls(html):
        response = client.get(url)
        assert response.status_code == 200, f"{path} references {url}, which answers {response.status_code}"


def test_swagger_ui_bundle_is_served_by_the_app(client):
    html = client.get("/api/docs/").content.decode()
    bundle = next(url for url in asset_urls(html) if url.endswith("swagger-ui-bundle.js"))

    response = client.get(bundle)

    assert bundle.startswith("/static/drf_spectacular_sidecar/")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert b"SwaggerUIBundle" in b"".join(response.streaming_content)


def test_redoc_bundle_is_served_by_the_app(client):
    html = client.get("/api/redoc/").content.decode()
    bundle = next(url for url in asset_urls(html) if url.endswith("redoc.standalone.js"))

    response = client.get(bundle)

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]


# --- The error answers each operation documents ---------------------------------------------------

BODY_METHODS = {"post", "put", "patch"}
ENVELOPES = {
    "#/components/schemas/ValidationErrorResponse",
    "#/components/schemas/ClientErrorResponse",
    "#/components/schemas/ServerErrorResponse",
}


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", method, operation


def test_every_error_answer_is_documented_as_the_envelope(schema):
    for name, _, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status == "414":
                continue  # the web server's own answer, before Duka (its own test below)
            if status.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref in ENVELOPES, f"{name} documents {status} as {ref}, not API.md's envelope"


def test_error_envelopes_carry_open_codes_and_a_nullable_attr(schema):
    error = schema["components"]["schemas"]["Error"]

    assert error["properties"]["code"]["type"] == "string"
    assert "enum" not in error["properties"]["code"]  # services add codes of their own
    assert error["properties"]["attr"]["nullable"] is True
    assert set(error["required"]) == {"code", "detail", "attr"}


def test_operations_taking_a_body_document_400_413_and_what_they_refuse(schema):
    for name, method, operation in operations(schema):
        if method in BODY_METHODS and "requestBody" in operation:
            assert {"400", "413"} <= set(operation["responses"]), name


def test_authenticated_operations_document_401_and_none_documents_500(schema):
    for name, _, operation in operations(schema):
        responses = set(operation["responses"])
        if {} not in operation.get("security", [{}]):
            assert "401" in responses, name
        assert "500" not in responses, f"{name}: a 500 is a bug, not part of the contract"


def test_routes_with_ids_document_404(schema):
    for name, _, operation in operations(schema):
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            assert "404" in operation["responses"], name


def test_the_gateway_operations_document_502_as_a_server_error(schema):
    for path in ["/api/v1/payments/mpesa/stk-push/", "/api/v1/payments/card/intent/", "/api/v1/payments/{id}/refresh/"]:
        response = schema["paths"][path]["post"]["responses"]["502"]
        assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ServerErrorResponse")


# --- The conformance guard every test runs under (core/pytest_schema.py) ---------------------


class FakeResponse(dict):
    """What `check_response` reads of a test client's response."""

    def __init__(self, status_code: int, content: bytes = b"", content_type: str = "application/json") -> None:
        super().__init__({"Content-Type": content_type} if content_type else {})
        self.status_code, self.content = status_code, content


def test_the_guard_refuses_a_status_the_operation_does_not_document():
    with pytest.raises(UndocumentedResponse, match="GET /api/v1/store/settings/ answered 409"):
        check_response("GET", "/api/v1/store/settings", FakeResponse(409, b'{"type": "client_error", "errors": []}'))


def test_the_guard_refuses_a_body_that_does_not_match_its_schema():
    body = b'{"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found."}]}'

    with pytest.raises(UndocumentedResponse, match="attr"):
        check_response("GET", "/api/v1/orders/12/", FakeResponse(404, body))


def test_the_guard_refuses_an_undocumented_content_type():
    with pytest.raises(UndocumentedResponse, match="text/html"):
        check_response("GET", "/api/v1/store/settings/", FakeResponse(200, b"<html></html>", "text/html"))


def test_the_guard_refuses_a_body_where_none_is_documented():
    with pytest.raises(UndocumentedResponse, match="body"):
        check_response("DELETE", "/api/v1/addresses/3/", FakeResponse(204, b'{"deleted": true}'))


def test_the_guard_accepts_a_documented_answer_and_ignores_undocumented_paths():
    body = b'{"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": null}]}'

    check_response("GET", "/api/v1/orders/12", FakeResponse(404, body))
    check_response("DELETE", "/api/v1/addresses/3/", FakeResponse(204, b"", content_type=""))
    check_response("GET", "/api/v1/no-such-thing/", FakeResponse(404, body))


def test_every_operation_documents_the_servers_414_for_a_request_line_too_long(schema):
    # gunicorn refuses a request line over 4094 bytes before Django sees it; a long query on any
    # operation meets that answer, so the schema promises it (found by the fuzzer on GET events).
    documented = [
        name for name, _, operation in operations(schema) if "text/html" in operation["responses"]["414"]["content"]
    ]

    assert len(documented) == len(list(operations(schema))) > 100

"""The OpenAPI schema and its two viewers, served by the app itself without any CDN."""

import re

import pytest

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

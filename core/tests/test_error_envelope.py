"""Every error under /api/ answers API.md's one envelope: {"type", "errors": [{"code", "detail", "attr"}]}."""

import pytest
from rest_framework.test import APIClient

from core.testing import error_codes

ERROR_TYPES = {"validation_error", "client_error", "server_error"}


def assert_envelope(response, *, status: int, type_: str, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"type", "errors"}, f"not the error envelope: {body}"
    assert body["type"] == type_
    assert body["type"] in ERROR_TYPES
    assert body["errors"], "the envelope must name at least one error"
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
        assert isinstance(error["detail"], str)
        assert error["detail"]
    assert code in error_codes(response)


@pytest.mark.django_db
def test_malformed_json_body_answers_400_parse_error(api):
    response = api.post("/api/v1/auth/register", data='{"email": "a@example.com",', content_type="application/json")

    assert_envelope(response, status=400, type_="client_error", code="parse_error")


@pytest.mark.django_db
def test_validation_failure_names_the_field_in_attr(api):
    response = api.post("/api/v1/auth/login", {"password": "whatever-it-is"}, format="json")

    assert_envelope(response, status=400, type_="validation_error", code="required")
    assert response.json()["errors"][0]["attr"] == "email"


def test_unknown_versioned_api_path_answers_404_json_on_get(api):
    response = api.get("/api/v1/does-not-exist")

    assert_envelope(response, status=404, type_="client_error", code="not_found")


def test_unknown_versioned_api_path_answers_404_json_on_post(api):
    response = api.post("/api/v1/does-not-exist", {"anything": 1}, format="json")

    assert_envelope(response, status=404, type_="client_error", code="not_found")


def test_unknown_path_elsewhere_under_api_answers_404_json(api):
    response = api.get("/api/anything-else")

    assert_envelope(response, status=404, type_="client_error", code="not_found")


def test_unknown_api_path_is_not_an_html_page(api):
    response = api.get("/api/v1/does-not-exist/deeper/still")

    assert response.status_code == 404
    assert b"<html" not in response.content.lower()
    assert_envelope(response, status=404, type_="client_error", code="not_found")


def test_wrong_method_answers_405_envelope(api):
    response = api.delete("/api/v1/auth/login")

    assert_envelope(response, status=405, type_="client_error", code="method_not_allowed")


def test_unsupported_media_type_answers_415_envelope(api):
    response = api.post("/api/v1/auth/login", data="email=a@example.com", content_type="text/plain")

    assert_envelope(response, status=415, type_="client_error", code="unsupported_media_type")


@pytest.mark.django_db
def test_missing_token_answers_401_not_authenticated(api):
    response = api.get("/api/v1/auth/me")

    assert_envelope(response, status=401, type_="client_error", code="not_authenticated")


@pytest.mark.django_db
def test_garbage_bearer_token_answers_401_with_one_token_not_valid_error(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a-real.token")

    response = api.get("/api/v1/auth/me")

    assert_envelope(response, status=401, type_="client_error", code="token_not_valid")
    assert response.json()["errors"] == [
        {"code": "token_not_valid", "detail": "Given token not valid for any token type", "attr": None}
    ]


@pytest.mark.django_db
def test_malformed_authorization_header_answers_401_with_one_error(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer")

    response = api.get("/api/v1/auth/me")

    assert_envelope(response, status=401, type_="client_error", code="bad_authorization_header")
    assert len(response.json()["errors"]) == 1
    assert response.json()["errors"][0]["attr"] is None


@pytest.mark.django_db
def test_invalid_refresh_token_answers_401_with_one_error(api):
    response = api.post("/api/v1/auth/refresh", {"refresh": "not.a-real.token"}, format="json")

    assert_envelope(response, status=401, type_="client_error", code="token_not_valid")
    assert len(response.json()["errors"]) == 1
    assert response.json()["errors"][0]["attr"] is None


@pytest.mark.urls("core.tests.urls_for_errors")
def test_unhandled_exception_answers_500_server_error_envelope():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test-only/explode")

    assert_envelope(response, status=500, type_="server_error", code="error")


@pytest.mark.urls("core.tests.urls_for_errors")
def test_unhandled_exception_does_not_leak_its_message():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test-only/explode")

    assert response.status_code == 500
    assert b"unexpected failure deep inside" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.urls("core.tests.urls_for_errors")
def test_a_failure_outside_drf_under_api_answers_500_in_the_envelope():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test-only/explode-plain")

    assert_envelope(response, status=500, type_="server_error", code="error")
    assert b"outside DRF" not in response.content


@pytest.mark.undocumented_response
def test_a_host_not_allowed_answers_400_in_the_envelope_under_api(api):
    response = api.get("/api/v1/products", HTTP_HOST="evil.example")

    assert_envelope(response, status=400, type_="client_error", code="bad_request")


def test_a_host_not_allowed_keeps_django_s_page_outside_api(client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_wrong_credentials_answer_401_envelope(api):
    response = api.post(
        "/api/v1/auth/login", {"email": "nobody@example.com", "password": "Wrong-Pass-1"}, format="json"
    )

    assert_envelope(response, status=401, type_="client_error", code="invalid_credentials")

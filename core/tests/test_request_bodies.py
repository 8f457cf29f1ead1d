"""
Request bodies a client can break the server with, refused where they enter (core/parsers.py and
the exception handler): too large → 413, too deep → 400 `parse_error`, not an object → 400; and
characters JSON can carry but text must not (NUL, lone surrogates) → 400. Nothing is written.
"""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import LoginActivity, User
from catalog.models import Coupon
from core.parsers import MAX_JSON_DEPTH
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

ONE_MB = 1024 * 1024
REGISTRATION = {"email": "new@example.com", "password": "Tr1cky-Passphrase", "first_name": "A", "last_name": "B"}


@pytest.fixture
def raw(api):
    def post(path: str, body: bytes | str, client: APIClient = api):
        return client.post(path, data=body, content_type="application/json")

    return post


def nested(depth: int) -> object:
    """`depth` levels of lists and objects around a 1."""
    value: object = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def assert_client_error(response, *, status: int, code: str, type_: str = "client_error") -> None:
    assert response.status_code == status, response.content
    assert response.json()["type"] == type_
    assert error_codes(response) == [code]


def test_a_login_body_over_1_mb_is_refused_unread_with_413(raw):
    body = json.dumps({"email": "customer@example.com", "password": "x" * ONE_MB})

    response = raw("/api/v1/auth/login", body)

    assert_client_error(response, status=413, code="request_too_large")
    assert error_attrs(response) == [None]
    assert not LoginActivity.objects.exists()


def test_a_body_just_under_1_mb_is_read(raw):
    body = json.dumps({"email": "nobody@example.com", "password": "Wrong-Pass-1", "padding": "x" * (ONE_MB - 100)})

    response = raw("/api/v1/auth/login", body)

    assert_client_error(response, status=401, code="invalid_credentials")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 100_000])
def test_a_login_body_nested_too_deep_is_a_400_parse_error(raw, depth):
    body = "[" * depth + "]" * depth if depth > 1000 else json.dumps(nested(depth))

    response = raw("/api/v1/auth/login", body)

    assert_client_error(response, status=400, code="parse_error")
    assert "nested deeper than 32" in response.json()["errors"][0]["detail"]
    assert not LoginActivity.objects.exists()


def test_a_body_nested_to_the_limit_is_parsed_and_validated(raw):
    response = raw("/api/v1/auth/login", json.dumps({"email": nested(MAX_JSON_DEPTH - 1), "password": "x"}))

    assert_client_error(response, status=400, code="invalid", type_="validation_error")
    assert error_attrs(response) == ["email"]


@pytest.mark.parametrize("body", ["[]", "[1, 2]", "null", "42", '"text"', "true"])
def test_a_body_that_is_not_an_object_is_refused_and_creates_nothing(raw, body):
    response = raw("/api/v1/auth/register", body)

    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert error_codes(response) in (["invalid"], ["null"])
    assert not User.objects.exists()


@pytest.mark.parametrize(("field", "code"), [("first_name", "null_characters_not_allowed"),
                                             ("last_name", "surrogate_characters_not_allowed")])  # fmt: skip
def test_nul_characters_and_lone_surrogates_in_text_are_refused(raw, field, code):
    text = "a\x00b" if code.startswith("null") else "a\ud800b"
    body = json.dumps({**REGISTRATION, field: text})  # JSON escapes them: \u0000, \ud800

    response = raw("/api/v1/auth/register", body)

    assert_client_error(response, status=400, code=code, type_="validation_error")
    assert error_attrs(response) == [field]
    assert not User.objects.exists()


def test_an_error_quoting_a_lone_surrogate_is_still_valid_json(raw, staff_api):
    body = json.dumps({"code": "KARIBU", "kind": "\ud800", "value": "10"})

    response = raw("/api/v1/coupons", body, client=staff_api)

    assert_client_error(response, status=400, code="invalid_choice", type_="validation_error")
    assert error_attrs(response) == ["kind"]
    assert "\ud800" in response.json()["errors"][0]["detail"]
    assert not Coupon.objects.exists()

"""Helpers shared by every app's tests (factories live in each app's tests/factories.py)."""

from rest_framework.test import APIClient


def error_codes(response) -> list[str]:
    """The `errors[].code` values of an API.md error envelope."""
    body = response.json()
    assert set(body) == {"type", "errors"}, f"not the error envelope: {body}"
    return [error["code"] for error in body["errors"]]


def error_attrs(response) -> list[str | None]:
    return [error["attr"] for error in response.json()["errors"]]


def authenticated_client(user) -> APIClient:
    """An API client carrying a real JWT access token for `user`, as a frontend would."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client

"""
Signing in and the JWT pair, as API.md's Accounts section promises them.

POST auth/login trades an email and password for `{access, refresh, user}`; the refresh token
rotates (the old one is blacklisted), logout blacklists it, and every attempt is recorded.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import LoginActivity
from accounts.services import email_verification_token
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.testing import authenticated_client, error_attrs, error_codes

LOGIN_URL = "/api/v1/auth/login"
REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
ME_URL = "/api/v1/auth/me"
ACTIVITY_URL = "/api/v1/auth/me/activity"


def login(client, email="wanjiku@example.com", password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"email": email, "password": password}, **extra)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- Signing in -------------------------------------------------------------------------------


def test_login_answers_tokens_and_the_user(api, customer):
    response = login(api)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["id"] == customer.pk
    assert body["user"]["email"] == "wanjiku@example.com"
    assert body["user"]["role"] == "customer"


def test_login_user_is_the_auth_me_body(api, customer, customer_api):
    response = login(api)

    assert response.json()["user"] == customer_api.get(ME_URL).json()


def test_login_ignores_the_case_of_the_email(api, customer):
    response = login(api, email="  WANJIKU@Example.Com ")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == customer.pk


def test_login_refuses_a_wrong_password(api, customer):
    response = login(api, password="Wrong-Horse-42")

    assert response.status_code == 401
    assert error_codes(response) == ["invalid_credentials"]
    assert "access" not in response.json()


@pytest.mark.django_db
def test_login_refuses_an_unknown_email_like_a_wrong_password(api):
    response = login(api, email="nobody@example.com")

    assert response.status_code == 401
    assert error_codes(response) == ["invalid_credentials"]


def test_login_refuses_an_inactive_account(api, customer):
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = login(api)

    assert response.status_code == 401
    assert "access" not in response.json()


def test_login_requires_a_password(api, customer):
    response = api.post(LOGIN_URL, {"email": "wanjiku@example.com"})

    assert response.status_code == 400
    assert error_attrs(response) == ["password"]


@pytest.mark.django_db
def test_login_requires_an_email(api):
    response = api.post(LOGIN_URL, {"password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert error_attrs(response) == ["email"]


def test_access_token_from_login_opens_auth_me(api, customer):
    access = login(api).json()["access"]

    response = bearer(access).get(ME_URL)

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "wanjiku@example.com"


@pytest.mark.django_db
def test_auth_me_needs_a_token(api):
    response = api.get(ME_URL)

    assert response.status_code == 401


def test_access_token_of_a_deactivated_user_is_refused(api, customer):
    access = login(api).json()["access"]
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = bearer(access).get(ME_URL)

    assert response.status_code == 401


def test_access_token_expires_after_thirty_minutes(api, customer):
    access = login(api).json()["access"]

    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=True):
        response = bearer(access).get(ME_URL)

    assert response.status_code == 401


# --- Login activity ---------------------------------------------------------------------------


def test_successful_login_is_recorded_with_ip_and_user_agent(api, customer):
    login(api, REMOTE_ADDR="41.90.12.7", HTTP_USER_AGENT="DukaApp/2.1 (Android 14)")

    row = LoginActivity.objects.get()
    assert row.user == customer
    assert row.success is True
    assert row.ip == "41.90.12.7"
    assert row.user_agent == "DukaApp/2.1 (Android 14)"


def test_failed_login_is_recorded_with_ip_and_user_agent(api, customer):
    login(api, password="Wrong-Horse-42", REMOTE_ADDR="41.90.12.7", HTTP_USER_AGENT="Mozilla/5.0 (X11)")

    row = LoginActivity.objects.get()
    assert row.user == customer
    assert row.success is False
    assert row.ip == "41.90.12.7"
    assert row.user_agent == "Mozilla/5.0 (X11)"


@pytest.mark.django_db
def test_failed_login_for_an_unknown_email_is_recorded_without_a_user(api):
    login(api, email="ghost@example.com", password="Wrong-Horse-42", REMOTE_ADDR="41.90.12.7")

    row = LoginActivity.objects.get()
    assert row.user is None
    assert row.email == "ghost@example.com"
    assert row.success is False
    assert row.ip == "41.90.12.7"


def test_my_activity_lists_my_attempts_as_at_ip_user_agent_success(api, customer):
    login(api, password="Wrong-Horse-42", REMOTE_ADDR="41.90.12.7", HTTP_USER_AGENT="Mozilla/5.0 (X11)")
    access = login(api, REMOTE_ADDR="41.90.12.7", HTTP_USER_AGENT="Mozilla/5.0 (X11)").json()["access"]

    response = bearer(access).get(ACTIVITY_URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert all(set(row) == {"at", "ip", "user_agent", "success"} for row in body["results"])
    assert sorted(row["success"] for row in body["results"]) == [False, True]
    assert {(row["ip"], row["user_agent"]) for row in body["results"]} == {("41.90.12.7", "Mozilla/5.0 (X11)")}


def test_my_activity_hides_other_users_attempts(api, customer, customer_api):
    other = UserFactory(email="otieno@example.com")
    login(api, email=other.email, REMOTE_ADDR="41.90.12.8")
    login(api, email=other.email, password="Wrong-Horse-42", REMOTE_ADDR="41.90.12.8")
    login(api, REMOTE_ADDR="41.90.12.7")

    response = customer_api.get(ACTIVITY_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [row["ip"] for row in response.json()["results"]] == ["41.90.12.7"]


def test_my_activity_is_paginated(api, customer, customer_api):
    for _ in range(3):
        login(api)

    response = customer_api.get(ACTIVITY_URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
    assert body["previous"] is None


@pytest.mark.django_db
def test_my_activity_needs_a_token(api):
    assert api.get(ACTIVITY_URL).status_code == 401


# --- Refreshing -------------------------------------------------------------------------------


def test_refresh_answers_a_new_token_pair(api, customer):
    refresh = login(api).json()["refresh"]

    response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != refresh


def test_access_token_from_refresh_opens_auth_me(api, customer):
    refresh = login(api).json()["refresh"]
    access = api.post(REFRESH_URL, {"refresh": refresh}).json()["access"]

    response = bearer(access).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["id"] == customer.pk


def test_refresh_token_cannot_be_used_twice(api, customer):
    old_refresh = login(api).json()["refresh"]
    api.post(REFRESH_URL, {"refresh": old_refresh})

    response = api.post(REFRESH_URL, {"refresh": old_refresh})

    assert response.status_code == 401
    assert error_codes(response) == ["token_not_valid"]


def test_rotated_refresh_token_keeps_working(api, customer):
    first = login(api).json()["refresh"]
    second = api.post(REFRESH_URL, {"refresh": first}).json()["refresh"]

    response = api.post(REFRESH_URL, {"refresh": second})

    assert response.status_code == 200, response.content


def test_refresh_token_expires_after_seven_days(api, customer):
    refresh = login(api).json()["refresh"]

    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1), tick=True):
        response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code == 401


def test_refresh_token_still_works_within_seven_days(api, customer):
    refresh = login(api).json()["refresh"]

    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23), tick=True):
        response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code == 200, response.content


def test_tampered_refresh_token_is_refused(api, customer):
    refresh = login(api).json()["refresh"]
    header, payload, signature = refresh.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"

    response = api.post(REFRESH_URL, {"refresh": tampered})

    assert response.status_code == 401


@pytest.mark.django_db
def test_garbage_refresh_token_is_refused(api):
    response = api.post(REFRESH_URL, {"refresh": "not-a-jwt"})

    assert response.status_code == 401


def test_access_token_is_not_accepted_as_a_refresh_token(api, customer):
    access = login(api).json()["access"]

    response = api.post(REFRESH_URL, {"refresh": access})

    assert response.status_code == 401


def test_refresh_of_a_deactivated_user_is_refused(api, customer):
    refresh = login(api).json()["refresh"]
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code == 401
    assert "access" not in response.json()


# --- Logging out ------------------------------------------------------------------------------


def test_logout_answers_204(api, customer):
    tokens = login(api).json()

    response = bearer(tokens["access"]).post(LOGOUT_URL, {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert response.content == b""


def test_logged_out_refresh_token_is_refused(api, customer):
    tokens = login(api).json()
    bearer(tokens["access"]).post(LOGOUT_URL, {"refresh": tokens["refresh"]})

    response = api.post(REFRESH_URL, {"refresh": tokens["refresh"]})

    assert response.status_code == 401


def test_logout_leaves_other_sessions_signed_in(api, customer):
    phone = login(api).json()
    laptop = login(api).json()
    bearer(phone["access"]).post(LOGOUT_URL, {"refresh": phone["refresh"]})

    response = api.post(REFRESH_URL, {"refresh": laptop["refresh"]})

    assert response.status_code == 200, response.content


def test_logout_with_another_users_refresh_token_is_refused(api, customer, customer_api):
    other = UserFactory(email="otieno@example.com")
    others_refresh = login(api, email=other.email).json()["refresh"]

    response = customer_api.post(LOGOUT_URL, {"refresh": others_refresh})

    assert response.status_code == 400
    assert error_codes(response) == ["token_not_valid"]


def test_logout_with_another_users_refresh_token_leaves_it_working(api, customer, customer_api):
    other = UserFactory(email="otieno@example.com")
    others_refresh = login(api, email=other.email).json()["refresh"]
    customer_api.post(LOGOUT_URL, {"refresh": others_refresh})

    response = api.post(REFRESH_URL, {"refresh": others_refresh})

    assert response.status_code == 200, response.content


def test_logout_needs_a_token(api, customer):
    refresh = login(api).json()["refresh"]

    response = api.post(LOGOUT_URL, {"refresh": refresh})

    assert response.status_code == 401
    assert api.post(REFRESH_URL, {"refresh": refresh}).status_code == 200


def test_logout_requires_the_refresh_token(customer_api):
    response = customer_api.post(LOGOUT_URL, {})

    assert response.status_code == 400
    assert error_attrs(response) == ["refresh"]


# --- Paths ------------------------------------------------------------------------------------


def call_auth_route(route: str, url: str, customer) -> tuple[object, int]:
    """Make a request to `route` that should succeed (or, for reset-password, reach the view)."""
    anonymous, signed_in = APIClient(), authenticated_client(customer)
    match route:
        case "auth/register":
            body = {"email": "achieng@example.com", "password": "Sunlit-Baobab-93", "first_name": "A", "last_name": "O"}
            return anonymous.post(url, body), 201
        case "auth/login":
            return anonymous.post(url, {"email": customer.email, "password": DEFAULT_PASSWORD}), 200
        case "auth/refresh":
            return anonymous.post(url, {"refresh": str(RefreshToken.for_user(customer))}), 200
        case "auth/logout":
            return signed_in.post(url, {"refresh": str(RefreshToken.for_user(customer))}), 204
        case "auth/verify-email":
            return anonymous.post(url, {"token": email_verification_token(user=customer)}), 200
        case "auth/verify-email/{token}":
            return anonymous.get(url.replace("{token}", email_verification_token(user=customer))), 200
        case "auth/resend-verification":
            return signed_in.post(url), 202
        case "auth/forgot-password":
            return anonymous.post(url, {"email": customer.email}), 202
        case "auth/reset-password":
            body = {"email": customer.email, "otp": "123456", "new_password": "Sunlit-Baobab-93"}
            return anonymous.post(url, body), 400
        case "auth/change-password":
            body = {"old_password": DEFAULT_PASSWORD, "new_password": "Sunlit-Baobab-93"}
            return signed_in.post(url, body), 200
        case "auth/me" | "auth/me/activity":
            return signed_in.get(url), 200
    raise AssertionError(f"no request written for {route}")


AUTH_ROUTES = [
    "auth/register",
    "auth/login",
    "auth/refresh",
    "auth/logout",
    "auth/verify-email",
    "auth/verify-email/{token}",
    "auth/resend-verification",
    "auth/forgot-password",
    "auth/reset-password",
    "auth/change-password",
    "auth/me",
    "auth/me/activity",
]


@pytest.mark.parametrize("slash", ["", "/"], ids=["without-slash", "with-slash"])
@pytest.mark.parametrize("route", AUTH_ROUTES)
def test_every_auth_route_answers_with_or_without_a_trailing_slash(customer, route, slash):
    response, expected_status = call_auth_route(route, f"/api/v1/{route}{slash}", customer)

    assert response.status_code == expected_status, response.content
    assert "Location" not in response.headers

"""
Lockout after failed sign-ins and the rate limit on the auth endpoints (API.md: Accounts, Conventions).

Five wrong passwords for one email from one IP lock that pair out for 15 minutes (429
`account_locked` with Retry-After); the admin's login form locks out the same way. Independently,
the auth endpoints take at most 10 requests a minute from one IP (429 `throttled`).
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.testing import error_codes

LOGIN_URL = "/api/v1/auth/login"
FORGOT_URL = "/api/v1/auth/forgot-password"
ADMIN_LOGIN_URL = "/admin/login/"
WRONG_PASSWORD = "Wrong-Horse-42"
LOCKOUT_SECONDS = 15 * 60


def login(client, email="wanjiku@example.com", password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"email": email, "password": password}, **extra)


def fail_logins(client, times, email="wanjiku@example.com", **extra):
    return [login(client, email=email, password=WRONG_PASSWORD, **extra).status_code for _ in range(times)]


def admin_login(client, username, password):
    return client.post(ADMIN_LOGIN_URL, {"username": username, "password": password, "next": "/admin/"})


# --- API login lockout ------------------------------------------------------------------------


def test_login_answers_401_up_to_and_including_the_fifth_failure(api, customer):
    assert fail_logins(api, 5) == [401] * 5


def test_login_locks_out_email_and_ip_after_five_failures(api, customer):
    fail_logins(api, 5)

    response = login(api, password=WRONG_PASSWORD)

    assert response.status_code == 429
    assert error_codes(response) == ["account_locked"]


def test_locked_out_login_refuses_even_the_correct_password(api, customer):
    fail_logins(api, 5)

    response = login(api)

    assert response.status_code == 429
    assert error_codes(response) == ["account_locked"]
    assert "access" not in response.json()


def test_locked_out_login_says_when_to_retry(api, customer):
    fail_logins(api, 5)

    response = login(api)

    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit(), f"Retry-After must be whole seconds, got {retry_after!r}"
    assert 0 < int(retry_after) <= LOCKOUT_SECONDS


def test_lockout_ignores_the_case_of_the_email(api, customer):
    fail_logins(api, 5, email="WANJIKU@example.com")

    response = login(api, email="wanjiku@Example.COM")

    assert response.status_code == 429


def test_lockout_does_not_reach_the_same_email_from_another_ip(api, customer):
    fail_logins(api, 5)

    response = login(api, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200, response.content


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(api, customer):
    for attempt in range(5):
        login(api, password=WRONG_PASSWORD, HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")

    response = login(api, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429
    assert error_codes(response) == ["account_locked"]


def test_lockout_does_not_reach_another_email_from_the_same_ip(api, customer):
    other = UserFactory(email="otieno@example.com")
    fail_logins(api, 5)

    response = login(api, email=other.email)

    assert response.status_code == 200, response.content


def test_lockout_ends_after_fifteen_minutes(api, customer):
    fail_logins(api, 5)

    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=5), tick=True):
        response = login(api)

    assert response.status_code == 200, response.content


def test_lockout_still_holds_just_before_fifteen_minutes(api, customer):
    fail_logins(api, 5)

    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=True):
        response = login(api)

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60 + 5


def test_refused_attempts_during_lockout_do_not_extend_it(api, customer):
    fail_logins(api, 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=True):
        login(api, password=WRONG_PASSWORD)

    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=5), tick=True):
        response = login(api)

    assert response.status_code == 200, response.content


def test_successful_login_resets_the_failure_count(api, customer):
    fail_logins(api, 4)
    assert login(api).status_code == 200

    assert fail_logins(api, 4) == [401] * 4
    response = login(api, password=WRONG_PASSWORD)

    assert response.status_code == 401, "a success should have started the count again"


# --- Auth rate limit --------------------------------------------------------------------------


@pytest.mark.django_db
def test_auth_endpoints_take_ten_requests_a_minute_from_one_ip(api):
    statuses = [api.post(FORGOT_URL, {"email": "nobody@example.com"}).status_code for _ in range(10)]

    assert statuses == [202] * 10


@pytest.mark.django_db
def test_the_eleventh_auth_request_in_a_minute_is_throttled(api):
    for _ in range(10):
        api.post(FORGOT_URL, {"email": "nobody@example.com"})

    response = api.post(FORGOT_URL, {"email": "nobody@example.com"})

    assert response.status_code == 429
    assert error_codes(response) == ["throttled"]
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 0 < int(retry_after) <= 60


@pytest.mark.django_db
def test_auth_throttle_does_not_reach_another_ip(api):
    for _ in range(11):
        api.post(FORGOT_URL, {"email": "nobody@example.com"})

    response = api.post(FORGOT_URL, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 202, response.content


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_dodge_the_auth_throttle(api):
    for attempt in range(10):
        api.post(FORGOT_URL, {"email": "nobody@example.com"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")

    response = api.post(FORGOT_URL, {"email": "nobody@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429
    assert error_codes(response) == ["throttled"]


@pytest.mark.django_db
def test_auth_throttle_is_shared_across_auth_endpoints(api):
    for _ in range(10):
        api.post(FORGOT_URL, {"email": "nobody@example.com"})

    response = login(api, email="nobody@example.com")

    assert response.status_code == 429
    assert error_codes(response) == ["throttled"]


@pytest.mark.django_db
def test_auth_throttle_lifts_after_a_minute(api):
    for _ in range(11):
        api.post(FORGOT_URL, {"email": "nobody@example.com"})

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True):
        response = api.post(FORGOT_URL, {"email": "nobody@example.com"})

    assert response.status_code == 202, response.content


# --- Admin login ------------------------------------------------------------------------------


def test_staff_user_signs_in_to_the_admin(staff_user):
    client = Client()

    response = admin_login(client, staff_user.email, DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_customer_cannot_sign_in_to_the_admin(customer):
    client = Client()

    response = admin_login(client, customer.email, DEFAULT_PASSWORD)

    assert response.status_code == 200, "the login form should be shown again"
    assert b'name="username"' in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_login_locks_out_after_five_failures(staff_user):
    client = Client()
    for _ in range(5):
        admin_login(client, staff_user.email, WRONG_PASSWORD)

    response = admin_login(client, staff_user.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 0 < int(retry_after) <= LOCKOUT_SECONDS


def test_admin_login_shows_the_form_again_before_the_limit(staff_user):
    client = Client()

    statuses = [admin_login(client, staff_user.email, WRONG_PASSWORD).status_code for _ in range(4)]

    assert statuses == [200] * 4
    assert admin_login(client, staff_user.email, DEFAULT_PASSWORD).status_code == 302

"""
Registration and email verification, as API.md's Accounts section promises them.

POST auth/register creates a customer and sends a verification email; the link in it (or its
token posted to auth/verify-email) marks the address verified.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from accounts.models import User
from accounts.services import email_verification_token
from accounts.tests.factories import UserFactory
from core.testing import authenticated_client, error_attrs, error_codes

REGISTER_URL = "/api/v1/auth/register"
VERIFY_URL = "/api/v1/auth/verify-email"
RESEND_URL = "/api/v1/auth/resend-verification"

ME_FIELDS = {
    "id", "email", "first_name", "last_name", "phone", "role", "is_email_verified",
    "date_joined", "orders_count", "total_spent", "preferences",
}  # fmt: skip


def registration(**overrides) -> dict:
    body = {
        "email": "achieng@example.com",
        "password": "Sunlit-Baobab-93",
        "first_name": "Achieng",
        "last_name": "Otieno",
    }
    body.update(overrides)
    return body


def verification_path(message) -> str:
    """The path of the verification link in an email's text body."""
    match = re.search(r"https?://\S+/api/v1/auth/verify-email/\S+", message.body)
    assert match, f"no verification link in the email body:\n{message.body}"
    return urlsplit(match.group(0)).path


# --- Registration -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_answers_201_with_the_auth_me_body(api):
    response = api.post(REGISTER_URL, registration())

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ME_FIELDS
    assert body["email"] == "achieng@example.com"
    assert body["first_name"] == "Achieng"
    assert body["last_name"] == "Otieno"
    assert body["role"] == "customer"
    assert body["is_email_verified"] is False
    assert body["id"] == User.objects.get(email="achieng@example.com").pk


@pytest.mark.django_db
def test_register_does_not_echo_the_password(api):
    response = api.post(REGISTER_URL, registration())

    assert response.status_code == 201
    assert "Sunlit-Baobab-93" not in response.content.decode()


@pytest.mark.django_db
def test_registered_user_can_sign_in_with_the_chosen_password(api):
    api.post(REGISTER_URL, registration())

    response = api.post("/api/v1/auth/login", {"email": "achieng@example.com", "password": "Sunlit-Baobab-93"})

    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_register_stores_the_email_in_lower_case(api):
    response = api.post(REGISTER_URL, registration(email="  Achieng.Otieno@Example.COM "))

    assert response.status_code == 201, response.content
    assert response.json()["email"] == "achieng.otieno@example.com"
    assert User.objects.filter(email="achieng.otieno@example.com").exists()


def test_register_refuses_an_email_already_taken_in_another_case(api, customer):
    response = api.post(REGISTER_URL, registration(email="WANJIKU@Example.com"))

    assert response.status_code == 400
    assert error_attrs(response) == ["email"]
    assert User.objects.filter(email__iexact="wanjiku@example.com").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1-xyz", "shorter than 8 characters"),
        ("password123", "a common password"),
        ("84736251947", "entirely numeric"),
        ("achieng.otieno", "too similar to the email"),
    ],
)
def test_register_refuses_a_weak_password(api, password, why):
    response = api.post(REGISTER_URL, registration(email="achieng.otieno@example.com", password=password))

    assert response.status_code == 400, f"a password {why} was accepted"
    assert set(error_attrs(response)) == {"password"}
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["email", "password", "first_name", "last_name"])
def test_register_requires_every_mandatory_field(api, missing):
    body = registration()
    del body[missing]

    response = api.post(REGISTER_URL, body)

    assert response.status_code == 400
    assert error_attrs(response) == [missing]
    assert error_codes(response) == ["required"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", 12345),
        ("email", "not-an-email"),
        ("first_name", {"given": "Achieng"}),
        ("last_name", ["Otieno"]),
        ("password", {"secret": "Sunlit-Baobab-93"}),
    ],
)
def test_register_refuses_a_field_of_the_wrong_type(api, field, value):
    response = api.post(REGISTER_URL, registration(**{field: value}))

    assert response.status_code == 400
    assert error_attrs(response) == [field]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_refuses_a_list_body(api):
    response = api.post(REGISTER_URL, [registration()])

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".ke"),  # 259 characters
        ("password", "Sunlit-Baobab-93" * 9),  # 144 characters
        ("first_name", "A" * 151),
        ("phone", "0712345678" * 4),
    ],
)
def test_register_refuses_an_oversized_value(api, field, value):
    response = api.post(REGISTER_URL, registration(**{field: value}))

    assert response.status_code == 400
    assert error_attrs(response) == [field]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_answers_malformed_json_with_a_parse_error(api):
    response = api.post(REGISTER_URL, data='{"email": "achieng@example.com", ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == ["parse_error"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_normalises_a_local_phone_number(api):
    response = api.post(REGISTER_URL, registration(phone="0712345678"))

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "254712345678"
    assert User.objects.get(email="achieng@example.com").phone == "254712345678"


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12345", "07123", "not a phone"])
def test_register_refuses_an_invalid_phone_number(api, phone):
    response = api.post(REGISTER_URL, registration(phone=phone))

    assert response.status_code == 400
    assert error_attrs(response) == ["phone"]
    assert not User.objects.exists()


# --- The verification email -------------------------------------------------------------------


@pytest.mark.django_db
def test_register_sends_a_verification_email_with_text_and_html(api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(REGISTER_URL, registration())

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["achieng@example.com"]
    assert "/api/v1/auth/verify-email/" in message.body
    html_parts = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html_parts) == 1
    assert "/api/v1/auth/verify-email/" in html_parts[0]


@pytest.mark.django_db
def test_the_link_in_the_verification_email_verifies_the_address(api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(REGISTER_URL, registration())

    response = api.get(verification_path(mailoutbox[0]))

    assert response.status_code == 200, response.content
    assert User.objects.get(email="achieng@example.com").is_email_verified is True


@pytest.mark.django_db
def test_register_refused_sends_no_email(api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(REGISTER_URL, registration(password="password123"))

    assert mailoutbox == []


# --- Verifying --------------------------------------------------------------------------------


def test_posting_the_token_verifies_the_address(api, customer):
    response = api.post(VERIFY_URL, {"token": email_verification_token(user=customer)})

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.is_email_verified is True
    assert customer.email_verified_at is not None


def test_verified_address_shows_on_auth_me(api, customer, customer_api):
    api.post(VERIFY_URL, {"token": email_verification_token(user=customer)})

    assert customer_api.get("/api/v1/auth/me").json()["is_email_verified"] is True


def test_opening_the_link_verifies_the_address(api, customer):
    response = api.get(f"{VERIFY_URL}/{email_verification_token(user=customer)}")

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.is_email_verified is True


def test_posting_the_same_token_twice_still_answers_200(api, customer):
    token = email_verification_token(user=customer)
    api.post(VERIFY_URL, {"token": token})

    response = api.post(VERIFY_URL, {"token": token})

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.is_email_verified is True


def test_opening_the_link_twice_still_answers_200(api, customer):
    path = f"{VERIFY_URL}/{email_verification_token(user=customer)}"
    api.get(path)

    response = api.get(path)

    assert response.status_code == 200, response.content


def test_verifying_keeps_the_first_verification_time(api, customer):
    token = email_verification_token(user=customer)
    api.post(VERIFY_URL, {"token": token})
    customer.refresh_from_db()
    first_verified_at = customer.email_verified_at

    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
        api.post(VERIFY_URL, {"token": token})

    customer.refresh_from_db()
    assert customer.email_verified_at == first_verified_at


def test_a_tampered_token_is_refused(api, customer):
    token = email_verification_token(user=customer)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = api.post(VERIFY_URL, {"token": tampered})

    assert response.status_code == 400
    assert error_codes(response) == ["token_not_valid"]
    customer.refresh_from_db()
    assert customer.is_email_verified is False


def test_a_tampered_link_is_refused(api, customer):
    response = api.get(f"{VERIFY_URL}/not-a-real-token")

    assert response.status_code == 400
    assert error_codes(response) == ["token_not_valid"]


def test_a_token_signed_for_another_purpose_is_refused(api, customer):
    forged = signing.dumps({"uid": customer.pk, "email": customer.email}, salt="some.other.purpose")

    response = api.post(VERIFY_URL, {"token": forged})

    assert response.status_code == 400
    assert error_codes(response) == ["token_not_valid"]
    customer.refresh_from_db()
    assert customer.is_email_verified is False


def test_a_token_older_than_three_days_has_expired(api, customer):
    token = email_verification_token(user=customer)

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1), tick=True):
        response = api.post(VERIFY_URL, {"token": token})

    assert response.status_code == 400
    assert error_codes(response) == ["token_expired"]
    customer.refresh_from_db()
    assert customer.is_email_verified is False


def test_a_token_younger_than_three_days_still_works(api, customer):
    token = email_verification_token(user=customer)

    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23), tick=True):
        response = api.post(VERIFY_URL, {"token": token})

    assert response.status_code == 200, response.content


def test_a_token_for_an_address_that_has_since_changed_is_refused(api, customer):
    token = email_verification_token(user=customer)
    customer.email = "wanjiku.new@example.com"
    customer.save(update_fields=["email"])

    response = api.post(VERIFY_URL, {"token": token})

    assert response.status_code == 400
    assert error_codes(response) == ["token_not_valid"]
    customer.refresh_from_db()
    assert customer.is_email_verified is False


def test_a_token_of_a_deactivated_account_is_refused(api, customer):
    token = email_verification_token(user=customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = api.post(VERIFY_URL, {"token": token})

    assert response.status_code == 400


@pytest.mark.django_db
def test_verify_email_requires_a_token(api):
    response = api.post(VERIFY_URL, {})

    assert response.status_code == 400
    assert error_attrs(response) == ["token"]


# --- Resending --------------------------------------------------------------------------------


def test_resend_verification_answers_202_and_emails_an_unverified_user(
    customer, customer_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_api.post(RESEND_URL)

    assert response.status_code == 202, response.content
    assert [message.to for message in mailoutbox] == [["wanjiku@example.com"]]


def test_the_resent_link_verifies_the_address(
    api, customer, customer_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer_api.post(RESEND_URL)

    response = api.get(verification_path(mailoutbox[0]))

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.is_email_verified is True


@pytest.mark.django_db
def test_resend_verification_sends_nothing_to_a_verified_user(mailoutbox, django_capture_on_commit_callbacks):
    verified = UserFactory(is_email_verified=True, email_verified_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = authenticated_client(verified).post(RESEND_URL)

    assert response.status_code == 202, response.content
    assert mailoutbox == []


@pytest.mark.django_db
def test_resend_verification_needs_a_signed_in_user(api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(RESEND_URL)

    assert response.status_code == 401
    assert mailoutbox == []

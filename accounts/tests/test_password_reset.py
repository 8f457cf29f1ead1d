"""
Forgotten passwords: `POST auth/forgot-password` emails a 6-digit code, `POST auth/reset-password`
trades it for a new password (API.md, Accounts).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import PasswordResetOTP
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.testing import error_attrs, error_codes

FORGOT_URL = "/api/v1/auth/forgot-password"
RESET_URL = "/api/v1/auth/reset-password"
LOGIN_URL = "/api/v1/auth/login"
REFRESH_URL = "/api/v1/auth/refresh"

NEW_PASSWORD = "Mango-Season-Rains-77"
# The code stands alone on its own line in the text body.
CODE_IN_TEXT = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


def emailed_code(message) -> str:
    match = CODE_IN_TEXT.search(message.body)
    assert match, f"no 6-digit code on a line of its own in the email body:\n{message.body}"
    return match.group(1)


def another_code(code: str) -> str:
    """A well-formed code that is certainly not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def ask_for_code(api, mailoutbox, django_capture_on_commit_callbacks):
    """Request a reset code for `email` as the forgot-password form does and return the one emailed."""

    def ask(email: str) -> str:
        sent_before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(FORGOT_URL, {"email": email})
        assert response.status_code == 202, response.content
        assert len(mailoutbox) == sent_before + 1, "forgot-password sent no email"
        return emailed_code(mailoutbox[-1])

    return ask


def reset(api, *, email: str, otp, new_password: str = NEW_PASSWORD, ip: str = "127.0.0.1"):
    return api.post(RESET_URL, {"email": email, "otp": otp, "new_password": new_password}, REMOTE_ADDR=ip)


def login(api, *, email: str, password: str, ip: str = "127.0.0.1"):
    return api.post(LOGIN_URL, {"email": email, "password": password}, REMOTE_ADDR=ip)


# --- forgot-password -------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_a_known_and_an_unknown_email(api, customer):
    known = api.post(FORGOT_URL, {"email": customer.email})
    unknown = api.post(FORGOT_URL, {"email": "nobody-here@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_forgot_password_emails_a_six_digit_code_to_a_known_account(
    api, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(FORGOT_URL, {"email": customer.email})

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [customer.email]
    assert re.fullmatch(r"\d{6}", emailed_code(message))


def test_forgot_password_email_has_an_html_version_with_the_same_code(
    api, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(FORGOT_URL, {"email": customer.email})

    message = mailoutbox[0]
    html_parts = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html_parts) == 1
    assert emailed_code(message) in html_parts[0]


def test_forgot_password_finds_the_account_whatever_the_email_case(
    api, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(FORGOT_URL, {"email": customer.email.upper()})

    assert [message.to for message in mailoutbox] == [[customer.email]]


def test_forgot_password_sends_nothing_for_an_unknown_email(api, db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(FORGOT_URL, {"email": "nobody-here@example.com"})

    assert response.status_code == 202
    assert mailoutbox == []


def test_forgot_password_sends_nothing_to_an_inactive_account(api, db, mailoutbox, django_capture_on_commit_callbacks):
    closed = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(FORGOT_URL, {"email": closed.email})

    assert response.status_code == 202
    assert mailoutbox == []
    assert not PasswordResetOTP.objects.filter(user=closed).exists()


def test_forgot_password_sends_no_second_email_within_a_minute(
    api, customer, mailoutbox, django_capture_on_commit_callbacks, ask_for_code
):
    ask_for_code(customer.email)

    with (
        time_machine.travel(timezone.now() + timedelta(seconds=30), tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(FORGOT_URL, {"email": customer.email})

    assert response.status_code == 202
    assert len(mailoutbox) == 1


def test_forgot_password_sends_a_new_code_after_a_minute(api, customer, mailoutbox, ask_for_code):
    ask_for_code(customer.email)

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True):
        ask_for_code(customer.email)

    assert len(mailoutbox) == 2


def test_forgot_password_rejects_a_malformed_email(api, db):
    response = api.post(FORGOT_URL, {"email": "not-an-email"})

    assert response.status_code == 400
    assert error_attrs(response) == ["email"]


def test_reset_code_is_stored_only_as_a_hash(customer, ask_for_code):
    code = ask_for_code(customer.email)

    stored = PasswordResetOTP.objects.get(user=customer)
    assert stored.code_hash != code
    assert code not in stored.code_hash


# --- reset-password: the right code ----------------------------------------------------------


def test_reset_password_with_the_emailed_code_succeeds(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 200, response.content


def test_reset_password_lets_the_new_password_sign_in(api, customer, ask_for_code):
    reset(api, email=customer.email, otp=ask_for_code(customer.email))

    response = login(api, email=customer.email, password=NEW_PASSWORD)

    assert response.status_code == 200, response.content


def test_reset_password_makes_the_old_password_fail(api, customer, ask_for_code):
    reset(api, email=customer.email, otp=ask_for_code(customer.email))

    response = login(api, email=customer.email, password=DEFAULT_PASSWORD)

    assert response.status_code == 401


def test_reset_password_revokes_every_refresh_token_issued_before(api, customer, ask_for_code):
    phone_refresh = login(api, email=customer.email, password=DEFAULT_PASSWORD).json()["refresh"]
    laptop_refresh = login(api, email=customer.email, password=DEFAULT_PASSWORD).json()["refresh"]

    reset(api, email=customer.email, otp=ask_for_code(customer.email))

    assert api.post(REFRESH_URL, {"refresh": phone_refresh}).status_code == 401
    assert api.post(REFRESH_URL, {"refresh": laptop_refresh}).status_code == 401


def test_reset_password_does_not_touch_another_users_password(api, customer, ask_for_code):
    neighbour = UserFactory()

    reset(api, email=customer.email, otp=ask_for_code(customer.email))

    assert login(api, email=neighbour.email, password=DEFAULT_PASSWORD).status_code == 200


# --- reset-password: wrong, stale and spent codes --------------------------------------------


def test_reset_password_rejects_a_wrong_code(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    response = reset(api, email=customer.email, otp=another_code(code))

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_otp"]
    assert error_attrs(response) == ["otp"]


def test_reset_password_with_a_wrong_code_keeps_the_old_password(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    reset(api, email=customer.email, otp=another_code(code))

    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_reset_password_accepts_the_right_code_after_four_wrong_tries(api, customer, ask_for_code):
    code = ask_for_code(customer.email)
    for _ in range(4):
        assert error_codes(reset(api, email=customer.email, otp=another_code(code))) == ["invalid_otp"]

    response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 200, response.content


def test_reset_password_rejects_the_right_code_after_five_wrong_tries(api, customer, ask_for_code):
    code = ask_for_code(customer.email)
    for _ in range(5):
        assert error_codes(reset(api, email=customer.email, otp=another_code(code))) == ["invalid_otp"]

    response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 400
    assert error_codes(response) == ["otp_expired"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_reset_password_accepts_a_code_nine_minutes_old(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=9), tick=True):
        response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 200, response.content


def test_reset_password_rejects_a_code_older_than_ten_minutes(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 400
    assert error_codes(response) == ["otp_expired"]
    assert error_attrs(response) == ["otp"]


def test_reset_password_rejects_a_code_used_twice(api, customer, ask_for_code):
    code = ask_for_code(customer.email)
    assert reset(api, email=customer.email, otp=code).status_code == 200

    response = reset(api, email=customer.email, otp=code, new_password="Another-Long-Phrase-91")

    assert response.status_code == 400
    assert error_codes(response) == ["otp_expired"]
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_a_newer_forgot_password_request_retires_the_older_code(api, customer, ask_for_code):
    older = ask_for_code(customer.email)

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True):
        newer = ask_for_code(customer.email)
        if newer == older:
            pytest.skip("the two random codes happened to be equal (one chance in a million)")
        response = reset(api, email=customer.email, otp=older)

    assert response.status_code == 400
    assert error_attrs(response) == ["otp"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_the_newest_code_works_after_a_second_forgot_password_request(api, customer, ask_for_code):
    ask_for_code(customer.email)

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True):
        newer = ask_for_code(customer.email)
        response = reset(api, email=customer.email, otp=newer)

    assert response.status_code == 200, response.content


def test_reset_password_rejects_an_unknown_email(api, db):
    response = reset(api, email="nobody-here@example.com", otp="123456")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_otp"]


def test_reset_password_without_any_code_requested_is_invalid(api, customer):
    response = reset(api, email=customer.email, otp="123456")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_otp"]


# --- reset-password: malformed input ---------------------------------------------------------


def test_reset_password_rejects_a_weak_new_password(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    response = reset(api, email=customer.email, otp=code, new_password="12345678")

    assert response.status_code == 400
    assert set(error_attrs(response)) == {"new_password"}
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_reset_code_still_works_after_a_weak_password_was_refused(api, customer, ask_for_code):
    code = ask_for_code(customer.email)
    assert reset(api, email=customer.email, otp=code, new_password="password").status_code == 400

    response = reset(api, email=customer.email, otp=code)

    assert response.status_code == 200, response.content
    assert login(api, email=customer.email, password=NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("otp", ["12ab56", "1234567", "12345", ""], ids=repr)
def test_reset_password_rejects_a_malformed_code(api, customer, ask_for_code, otp):
    ask_for_code(customer.email)

    response = reset(api, email=customer.email, otp=otp)

    assert response.status_code == 400
    assert set(error_attrs(response)) == {"otp"}
    assert "invalid_otp" not in error_codes(response), "a malformed code is refused before it is compared"


def test_reset_password_rejects_a_code_sent_as_a_json_number(api, customer, ask_for_code):
    code = ask_for_code(customer.email)

    response = reset(api, email=customer.email, otp=int(code))

    assert response.status_code == 400
    assert set(error_attrs(response)) == {"otp"}
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_a_malformed_code_does_not_count_as_a_try(api, customer, ask_for_code):
    code = ask_for_code(customer.email)
    for ip_suffix in range(5):
        assert reset(api, email=customer.email, otp="12ab56", ip=f"10.0.0.{ip_suffix}").status_code == 400

    response = reset(api, email=customer.email, otp=code, ip="10.0.1.1")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("missing", ["email", "otp", "new_password"])
def test_reset_password_requires_every_field(api, customer, missing):
    body = {"email": customer.email, "otp": "123456", "new_password": NEW_PASSWORD}
    del body[missing]

    response = api.post(RESET_URL, body)

    assert response.status_code == 400
    assert error_attrs(response) == [missing]
    assert error_codes(response) == ["required"]

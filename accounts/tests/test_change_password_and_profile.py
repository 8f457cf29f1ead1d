"""
A signed-in user changes their password (`POST auth/change-password`) and reads or edits their
profile (`GET / PATCH auth/me`), as API.md's Accounts section describes.
"""

import json

import pytest

from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD
from core.testing import error_attrs, error_codes

CHANGE_PASSWORD_URL = "/api/v1/auth/change-password"
ME_URL = "/api/v1/auth/me"
LOGIN_URL = "/api/v1/auth/login"
REFRESH_URL = "/api/v1/auth/refresh"

NEW_PASSWORD = "Matatu-Ride-Home-2026"

PROFILE_FIELDS = {
    "id", "email", "first_name", "last_name", "phone", "role", "is_email_verified", "date_joined",
    "orders_count", "total_spent", "preferences",
}  # fmt: skip


def change_password(client, *, old_password: str = DEFAULT_PASSWORD, new_password: str = NEW_PASSWORD):
    return client.post(CHANGE_PASSWORD_URL, {"old_password": old_password, "new_password": new_password})


# --- change-password -------------------------------------------------------------------------


def test_change_password_requires_sign_in(api, customer):
    response = change_password(api)

    assert response.status_code == 401


def test_change_password_rejects_a_wrong_old_password(customer, customer_api):
    response = change_password(customer_api, old_password="Not-My-Password-1")

    assert response.status_code == 400
    assert error_attrs(response) == ["old_password"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("weak", ["short1", "12345678", "password", "wanjiku@example.com"])
def test_change_password_rejects_a_weak_new_password(customer, customer_api, weak):
    response = change_password(customer_api, new_password=weak)

    assert response.status_code == 400
    assert set(error_attrs(response)) == {"new_password"}
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_change_password_answers_200_with_a_new_token_pair(customer_api):
    response = change_password(customer_api)

    assert response.status_code == 200, response.content
    assert {"access", "refresh"} <= set(response.json())


def test_change_password_returns_an_access_token_that_works(api, customer_api):
    access = change_password(customer_api).json()["access"]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.get(ME_URL)

    assert response.status_code == 200


def test_change_password_returns_a_refresh_token_that_works(api, customer_api):
    refresh = change_password(customer_api).json()["refresh"]

    response = api.post(REFRESH_URL, {"refresh": refresh})

    assert response.status_code == 200, response.content


def test_change_password_signs_out_refresh_tokens_issued_before(api, customer, customer_api):
    earlier_refresh = api.post(LOGIN_URL, {"email": customer.email, "password": DEFAULT_PASSWORD}).json()["refresh"]

    change_password(customer_api)

    assert api.post(REFRESH_URL, {"refresh": earlier_refresh}).status_code == 401


def test_change_password_lets_the_new_password_sign_in(api, customer, customer_api):
    change_password(customer_api)

    response = api.post(LOGIN_URL, {"email": customer.email, "password": NEW_PASSWORD})

    assert response.status_code == 200, response.content


def test_change_password_makes_the_old_password_fail(api, customer, customer_api):
    change_password(customer_api)

    response = api.post(LOGIN_URL, {"email": customer.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 401


def test_change_password_emails_the_user_that_it_changed(
    customer, customer_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change_password(customer_api)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [customer.email]
    assert "password was changed" in message.subject.lower()


def test_a_refused_password_change_sends_no_email(customer_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_password(customer_api, old_password="Not-My-Password-1")

    assert mailoutbox == []


# --- GET auth/me -----------------------------------------------------------------------------


def test_me_requires_sign_in(api, db):
    assert api.get(ME_URL).status_code == 401


def test_me_answers_exactly_the_profile_fields(customer_api):
    response = customer_api.get(ME_URL)

    assert response.status_code == 200
    assert set(response.json()) == PROFILE_FIELDS


def test_me_describes_the_signed_in_user(customer, customer_api):
    body = customer_api.get(ME_URL).json()

    assert body["id"] == customer.pk
    assert body["email"] == "wanjiku@example.com"
    assert body["first_name"] == "Wanjiku"
    assert body["last_name"] == "Kariuki"
    assert body["role"] == "customer"
    assert body["is_email_verified"] is False
    assert body["preferences"] == {}


def test_me_gives_a_new_customers_totals_as_zero(customer_api):
    body = customer_api.get(ME_URL).json()

    assert body["orders_count"] == 0
    assert body["total_spent"] == "0.00"


# --- PATCH auth/me ---------------------------------------------------------------------------


def test_me_patch_changes_the_first_name(customer, customer_api):
    response = customer_api.patch(ME_URL, {"first_name": "Njeri"})

    assert response.status_code == 200
    assert response.json()["first_name"] == "Njeri"
    customer.refresh_from_db()
    assert customer.first_name == "Njeri"


@pytest.mark.parametrize("typed", ["0722 000 111", "+254722000111", "254722000111", "722000111"])
def test_me_patch_stores_the_phone_normalised(customer, customer_api, typed):
    response = customer_api.patch(ME_URL, {"phone": typed})

    assert response.status_code == 200
    assert response.json()["phone"] == "254722000111"
    customer.refresh_from_db()
    assert customer.phone == "254722000111"


def test_me_patch_rejects_an_invalid_phone(customer, customer_api):
    phone_before = customer.phone

    response = customer_api.patch(ME_URL, {"phone": "12"})

    assert response.status_code == 400
    assert error_attrs(response) == ["phone"]
    customer.refresh_from_db()
    assert customer.phone == phone_before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", Role.ADMIN.value),
        ("email", "someone-else@example.com"),
        ("orders_count", 99),
        ("total_spent", "5000.00"),
        ("is_email_verified", True),
        ("date_joined", "2020-01-01T00:00:00Z"),
    ],
)
def test_me_patch_ignores_read_only_fields(customer, customer_api, field, value):
    before = customer_api.get(ME_URL).json()[field]

    response = customer_api.patch(ME_URL, {field: value})

    assert response.status_code == 200
    assert response.json()[field] == before
    assert customer_api.get(ME_URL).json()[field] == before


def test_me_patch_cannot_make_a_customer_staff(customer, customer_api):
    customer_api.patch(ME_URL, {"role": "admin"})

    customer.refresh_from_db()
    assert customer.role == Role.CUSTOMER
    assert not customer.is_staff
    assert not customer.groups.filter(name="admin").exists()


@pytest.mark.parametrize("preferences", [{"lang": "s\x00w"}, {"\x00": 1}, {"lang": "\udc00"}, {"a": ["\ud800"]}])
def test_me_patch_refuses_preferences_a_database_cannot_hold(customer, customer_api, preferences):
    body = json.dumps({"preferences": preferences})  # \u escapes, as a client sends them

    response = customer_api.patch(ME_URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert error_attrs(response) == ["preferences"]
    assert error_codes(response)[0] in ("null_characters_not_allowed", "surrogate_characters_not_allowed")
    customer.refresh_from_db()
    assert customer.preferences == {}


def test_me_patch_merges_preference_keys(customer, customer_api):
    customer.preferences = {"language": "sw"}
    customer.save(update_fields=["preferences"])

    response = customer_api.patch(ME_URL, {"preferences": {"newsletter": True}}, format="json")

    assert response.status_code == 200
    assert response.json()["preferences"] == {"language": "sw", "newsletter": True}


def test_me_patch_replaces_the_value_of_an_existing_preference(customer, customer_api):
    customer.preferences = {"language": "sw", "newsletter": True}
    customer.save(update_fields=["preferences"])

    response = customer_api.patch(ME_URL, {"preferences": {"language": "en"}}, format="json")

    assert response.json()["preferences"] == {"language": "en", "newsletter": True}


def test_me_patch_removes_a_preference_set_to_null(customer, customer_api):
    customer.preferences = {"language": "sw", "newsletter": True}
    customer.save(update_fields=["preferences"])

    response = customer_api.patch(ME_URL, {"preferences": {"newsletter": None}}, format="json")

    assert response.status_code == 200
    assert response.json()["preferences"] == {"language": "sw"}
    customer.refresh_from_db()
    assert customer.preferences == {"language": "sw"}


@pytest.mark.parametrize("not_an_object", [["dark"], "dark", 42, None], ids=["list", "string", "number", "null"])
def test_me_patch_rejects_preferences_that_are_not_an_object(customer, customer_api, not_an_object):
    customer.preferences = {"language": "sw"}
    customer.save(update_fields=["preferences"])

    response = customer_api.patch(ME_URL, {"preferences": not_an_object}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["preferences"]
    customer.refresh_from_db()
    assert customer.preferences == {"language": "sw"}


def test_me_patch_rejects_preferences_over_4096_bytes(customer, customer_api):
    response = customer_api.patch(ME_URL, {"preferences": {"notes": "x" * 4100}}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["preferences"]
    customer.refresh_from_db()
    assert customer.preferences == {}


def test_me_patch_accepts_preferences_under_4096_bytes(customer_api):
    response = customer_api.patch(ME_URL, {"preferences": {"notes": "x" * 4000}}, format="json")

    assert response.status_code == 200


def test_me_patch_rejects_preferences_that_grow_past_4096_bytes_when_merged(customer, customer_api):
    assert customer_api.patch(ME_URL, {"preferences": {"a": "x" * 3000}}, format="json").status_code == 200

    response = customer_api.patch(ME_URL, {"preferences": {"b": "y" * 3000}}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["preferences"]
    customer.refresh_from_db()
    assert customer.preferences == {"a": "x" * 3000}


@pytest.mark.parametrize(
    "bad_body",
    [
        {"first_name": "Njeri", "last_name": ["Kamau"]},
        {"first_name": "Njeri", "phone": {"number": "0722000111"}},
        {"first_name": "Njeri", "phone": "not a phone"},
        {"first_name": "Njeri", "preferences": ["dark"]},
        {"first_name": "Njeri", "last_name": "K" * 151},
    ],
    ids=["last_name-list", "phone-object", "phone-text", "preferences-list", "last_name-too-long"],
)
def test_me_patch_with_a_wrong_value_changes_nothing(customer, customer_api, bad_body):
    response = customer_api.patch(ME_URL, bad_body, format="json")

    assert response.status_code == 400
    assert error_codes(response)
    customer.refresh_from_db()
    assert customer.first_name == "Wanjiku"
    assert customer.last_name == "Kariuki"

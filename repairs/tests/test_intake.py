"""
Taking a device in (`POST repairs`): IMEI and phone checks, passcodes refused, and whatever a client
sends, a 4xx in the envelope with nothing written.
"""

import pytest

from core.testing import error_attrs, error_codes
from repairs.models import RepairRequest, RepairStatusEvent
from repairs.tests.factories import VALID_IMEI, repair_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/repairs"


def assert_refused(response, attrs=None, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert error_codes(response)
    if attrs is not None:
        assert sorted(error_attrs(response)) == sorted(attrs)
    assert RepairRequest.objects.count() == 0
    assert RepairStatusEvent.objects.count() == 0


@pytest.mark.parametrize("device_type", ["phone", "tablet"])
def test_a_15_digit_serial_on_a_phone_or_tablet_must_pass_the_imei_check(api, device_type):
    wrong_check_digit = VALID_IMEI[:-1] + str((int(VALID_IMEI[-1]) + 1) % 10)

    response = api.post(URL, repair_body(device_type=device_type, serial_number=wrong_check_digit), format="json")

    assert_refused(response, ["serial_number"])
    assert error_codes(response) == ["invalid_imei"]


def test_an_imei_written_with_spaces_or_dashes_is_checked_and_stored_as_its_digits(api):
    response = api.post(URL, repair_body(serial_number="49-015420 323751-8"), format="json")

    assert response.status_code == 201
    assert response.json()["serial_number"] == VALID_IMEI


@pytest.mark.parametrize("device_type", ["laptop", "other"])
def test_a_15_digit_serial_on_a_laptop_is_a_serial_number_not_an_imei(api, device_type):
    response = api.post(URL, repair_body(device_type=device_type, serial_number="123456789012345"), format="json")

    assert response.status_code == 201
    assert response.json()["serial_number"] == "123456789012345"


@pytest.mark.parametrize("serial", ["", "R58N12ABCDE", "35209900176148"])
def test_serials_that_are_not_15_digits_are_taken_as_typed(api, serial):
    response = api.post(URL, repair_body(serial_number=serial), format="json")

    assert response.status_code == 201
    assert response.json()["serial_number"] == serial


@pytest.mark.parametrize("typed", ["0712345678", "+254712345678", "254712345678", "0712 345 678"])
def test_the_contact_phone_is_normalised(api, typed):
    response = api.post(URL, repair_body(contact_phone=typed), format="json")

    assert response.status_code == 201
    assert response.json()["contact_phone"] == "254712345678"


@pytest.mark.parametrize("phone", ["12345", "07123", "not a phone", "0" * 40, ""])
def test_a_contact_phone_that_is_not_a_phone_number_is_refused(api, phone):
    assert_refused(api.post(URL, repair_body(contact_phone=phone), format="json"), ["contact_phone"])


@pytest.mark.parametrize(
    "field", ["passcode", "password", "pin", "device_pin", "screenPin", "pin_code", "unlock_code", "lock-code",
              "screen_password", "PASSCODE", "pattern"],
)  # fmt: skip
def test_a_passcode_in_any_spelling_is_refused_whatever_its_value(api, field):
    response = api.post(URL, {**repair_body(), field: "1234"}, format="json")

    assert_refused(response, [field])
    assert error_codes(response) == ["passcode_refused"]


@pytest.mark.parametrize("field", ["shipping", "spinner", "opinion", "compass", "passenger"])
def test_words_that_only_contain_pin_or_pass_are_not_mistaken_for_passcodes(api, field):
    assert api.post(URL, {**repair_body(), field: "x"}, format="json").status_code == 201


def test_the_customer_says_they_will_unlock_the_device_at_the_counter(api):
    response = api.post(URL, repair_body(unlocks_at_counter=True), format="json")

    assert response.status_code == 201
    assert response.json()["unlocks_at_counter"] is True


@pytest.mark.parametrize(
    "field", ["device_type", "brand", "model", "issue_description", "contact_name", "contact_phone", "contact_email"]
)
def test_each_required_field_is_required(api, field):
    body = repair_body()
    del body[field]

    assert_refused(api.post(URL, body, format="json"), [field])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("device_type", "toaster"), ("device_type", 3), ("brand", ["Samsung"]), ("brand", "x" * 61),
        ("model", {"name": "A14"}), ("issue_description", "x" * 5001), ("contact_email", "not-an-email"),
        ("contact_name", None), ("unlocks_at_counter", "sometimes"), ("serial_number", "9" * 41),
        ("accessories", "x" * 256), ("brand", "nul\x00byte"),
    ],
)  # fmt: skip
def test_wrong_types_and_huge_values_are_refused_and_nothing_is_written(api, field, value):
    assert_refused(api.post(URL, repair_body(**{field: value}), format="json"), [field])


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"text"', b"null", b'{"brand": "a"' + b"}" * 3])
def test_a_body_that_is_not_a_json_object_is_refused(api, body):
    response = api.generic("POST", URL, body, content_type="application/json")

    assert_refused(response)


def test_read_only_fields_in_the_body_are_ignored(api):
    response = api.post(
        URL, repair_body(status="completed", tracking_code="RP-AAAA-AAAA", final_cost="1.00", user_id=1), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["final_cost"], body["user_id"]) == ("received", None, None)
    assert body["tracking_code"] != "RP-AAAA-AAAA"


def test_tracking_codes_are_unique_and_a_collision_draws_again(api, monkeypatch):
    from repairs.services import tickets

    codes = iter(["RP-2222-2222", "RP-2222-2222", "RP-3333-3333"])
    monkeypatch.setattr(tickets, "tracking_code_new", lambda: next(codes))

    first = api.post(URL, repair_body(), format="json")
    second = api.post(URL, repair_body(), format="json")

    assert (first.json()["tracking_code"], second.json()["tracking_code"]) == ("RP-2222-2222", "RP-3333-3333")
    assert RepairStatusEvent.objects.count() == 2


def test_taking_devices_in_is_throttled_per_address(api, settings):
    settings.RATE_LIMIT_REPAIRS_CREATE = "2/hour"

    answers = [api.post(URL, repair_body(), format="json").status_code for _ in range(3)]
    elsewhere = api.post(URL, repair_body(), format="json", REMOTE_ADDR="10.0.0.9")

    assert answers == [201, 201, 429]
    assert elsewhere.status_code == 201


def test_the_desk_taking_devices_in_at_the_counter_is_not_throttled(technician_api, settings):
    settings.RATE_LIMIT_REPAIRS_CREATE = "2/hour"

    answers = [technician_api.post(URL, repair_body(), format="json").status_code for _ in range(3)]

    assert answers == [201, 201, 201]

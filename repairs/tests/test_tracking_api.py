"""
The public tracking page (`GET repairs/track/{code}`): what anyone holding the code sees. Public notes
and the quote, never contact details or the desk's private notes; an unknown code is 404; per-IP throttle.
"""

import pytest
from django.utils.dateparse import parse_datetime

from repairs.models import RepairNote, RepairStatus
from repairs.tests import factories

pytestmark = pytest.mark.django_db


def track(client, code: str):
    return client.get(f"/api/v1/repairs/track/{code}")


def test_tracking_shows_public_notes_only(api, technician):
    repair = factories.repair_at(RepairStatus.AWAITING_APPROVAL, contact_email="wairimu@example.com",
                                 contact_name="Wairimu Njeri", contact_phone="254798765432")  # fmt: skip
    RepairNote.objects.create(repair=repair, author=technician, body="Customer dropped it twice", is_public=False)
    RepairNote.objects.create(repair=repair, author=technician, body="Screen ordered", is_public=True)

    response = track(api, repair.tracking_code)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tracking_code", "status", "device", "estimated_cost", "updated_at", "public_notes", "quote",
                         "amount_due"}  # fmt: skip
    assert [note["body"] for note in body["public_notes"]] == ["Screen ordered"]
    text = response.content.decode()
    for secret in ("Customer dropped it", "wairimu", "Wairimu", "254798765432", "Cynthia"):
        assert secret not in text


def test_tracking_shows_the_sent_quote_and_the_amount_due(api):
    repair = factories.repair_at(RepairStatus.IN_REPAIR)

    body = track(api, repair.tracking_code).json()

    assert body["quote"]["status"] == "approved"
    assert body["quote"]["total"] == "2500.00"
    assert body["amount_due"] == "2500.00"


@pytest.mark.parametrize("typed", ["lower", " padded "])
def test_the_code_may_be_typed_in_any_case(api, typed):
    repair = factories.repair_factory()
    code = repair.tracking_code.lower() if typed == "lower" else repair.tracking_code

    assert track(api, code).json()["tracking_code"] == repair.tracking_code


@pytest.mark.parametrize("code", ["RP-ZZZZ-ZZZZ", "RP-2222-2222", "nothing", "x" * 20])
def test_an_unknown_code_answers_404(api, code):
    factories.repair_factory(tracking_code="RP-2222-2223")

    response = track(api, code)

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_code_with_characters_no_code_has_is_an_ordinary_404(api):
    assert track(api, "RP-22%2F22-2222").status_code == 404
    assert track(api, "x" * 200).status_code == 404


def test_tracking_is_throttled_per_address(api, settings):
    settings.RATE_LIMIT_REPAIRS_TRACK = "3/min"
    repair = factories.repair_factory()

    answers = [track(api, repair.tracking_code).status_code for _ in range(4)]
    guesses = track(api, "RP-AAAA-AAAA").status_code
    elsewhere = api.get(f"/api/v1/repairs/track/{repair.tracking_code}", REMOTE_ADDR="10.1.2.3").status_code

    assert answers == [200, 200, 200, 429]
    assert guesses == 429  # guessing codes counts too
    assert elsewhere == 200


def test_a_signed_in_customer_is_throttled_by_address_as_well(customer_api, settings):
    settings.RATE_LIMIT_REPAIRS_TRACK = "1/min"
    repair = factories.repair_factory()

    assert [track(customer_api, repair.tracking_code).status_code for _ in range(2)] == [200, 429]


def test_a_public_note_moves_the_last_update_a_private_one_does_not(api, technician_api):
    repair = factories.repair_factory()
    first = track(api, repair.tracking_code).json()["updated_at"]

    technician_api.post(f"/api/v1/repairs/{repair.pk}/notes", {"body": "private"}, format="json")
    after_private = track(api, repair.tracking_code).json()["updated_at"]
    technician_api.post(f"/api/v1/repairs/{repair.pk}/notes", {"body": "Screen fitted", "is_public": True},
                        format="json")  # fmt: skip
    after_public = track(api, repair.tracking_code).json()

    assert after_private == first
    assert parse_datetime(after_public["updated_at"]) > parse_datetime(first)
    assert [note["body"] for note in after_public["public_notes"]] == ["Screen fitted"]

"""Taking a device in, reading tickets, the desk's PATCH and the public tracking page."""

import re

import pytest

from core.testing import error_attrs, error_codes
from repairs.models import RepairRequest, RepairStatus, RepairStatusEvent
from repairs.tests.factories import VALID_IMEI, repair_body, repair_factory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^RP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def test_anyone_can_hand_in_a_device_and_gets_a_tracking_code(api):
    response = api.post("/api/v1/repairs", repair_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert CODE.match(body["tracking_code"])
    assert body["status"] == "received"
    assert body["contact_phone"] == "254712345678"
    assert body["serial_number"] == VALID_IMEI
    assert [step["status"] for step in body["history"]] == ["received"]
    repair = RepairRequest.objects.get(pk=body["id"])
    assert repair.user is None


def test_a_signed_in_customers_repair_is_linked_to_their_account(customer_api, customer):
    response = customer_api.post("/api/v1/repairs/", repair_body(), format="json")

    assert response.status_code == 201
    assert RepairRequest.objects.get(pk=response.json()["id"]).user == customer


def test_a_technician_taking_a_device_in_at_the_counter_does_not_own_it(technician_api):
    response = technician_api.post("/api/v1/repairs", repair_body(), format="json")

    assert response.status_code == 201
    assert RepairRequest.objects.get(pk=response.json()["id"]).user is None


def test_the_owner_lists_only_their_repairs_and_the_desk_lists_all(customer_api, customer, technician_api):
    mine = repair_factory(user=customer)
    repair_factory()

    own = customer_api.get("/api/v1/repairs").json()
    everything = technician_api.get("/api/v1/repairs").json()

    assert [row["id"] for row in own["results"]] == [mine.pk]
    assert everything["count"] == 2


def test_another_customers_repair_answers_404(other_customer_api, customer):
    repair = repair_factory(user=customer)

    response = other_customer_api.get(f"/api/v1/repairs/{repair.pk}")

    assert response.status_code == 404


def test_a_technician_moves_a_repair_and_the_history_records_it(technician_api, technician):
    repair = repair_factory()

    response = technician_api.patch(
        f"/api/v1/repairs/{repair.pk}", {"status": "diagnosing", "note": "On the bench"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "diagnosing"
    assert body["history"][-1] == {"status": "diagnosing", "at": body["history"][-1]["at"], "note": "On the bench",
                                   "actor": "technician"}  # fmt: skip
    assert RepairStatusEvent.objects.filter(repair=repair, status="diagnosing", actor=technician).count() == 1


def test_a_move_the_table_forbids_answers_409_and_changes_nothing(technician_api):
    repair = repair_factory()

    response = technician_api.patch(
        f"/api/v1/repairs/{repair.pk}", {"status": "completed", "diagnosis": "Battery"}, format="json"
    )

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_transition"]
    repair.refresh_from_db()
    assert (repair.status, repair.diagnosis) == (RepairStatus.RECEIVED, "")


def test_assigning_a_customer_as_technician_answers_400(technician_api, customer):
    repair = repair_factory()

    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", {"assigned_technician": customer.pk},
                                    format="json")  # fmt: skip

    assert response.status_code == 400
    assert error_attrs(response) == ["assigned_technician"]


def test_a_customer_may_not_patch_their_own_repair(customer_api, customer):
    repair = repair_factory(user=customer)

    response = customer_api.patch(f"/api/v1/repairs/{repair.pk}", {"status": "diagnosing"}, format="json")

    assert response.status_code == 403
    repair.refresh_from_db()
    assert repair.status == RepairStatus.RECEIVED


def test_tracking_shows_status_and_device_but_no_contact_details(api):
    repair = repair_factory(status=RepairStatus.DIAGNOSING)

    response = api.get(f"/api/v1/repairs/track/{repair.tracking_code.lower()}")

    assert response.status_code == 200
    body = response.json()
    assert body["tracking_code"] == repair.tracking_code
    assert body["device"] == {"type": "phone", "brand": "Tecno", "model": "Spark 20"}
    text = response.content.decode()
    assert "akinyi" not in text.lower() and "254712345678" not in text


def test_an_unknown_tracking_code_answers_404(api):
    assert api.get("/api/v1/repairs/track/RP-AAAA-AAAA/").status_code == 404

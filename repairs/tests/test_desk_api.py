"""
The desk's work on a ticket: `PATCH repairs/{id}` (assign, diagnose, promise, price) and notes.
A refused request answers 4xx in the envelope and writes nothing.
"""

import pytest

from core.serializers import MAX_ID
from core.testing import error_attrs, error_codes
from repairs.models import RepairNote, RepairRequest, RepairStatus, RepairStatusEvent
from repairs.tests import factories

pytestmark = pytest.mark.django_db


def url(repair, suffix: str = "") -> str:
    return f"/api/v1/repairs/{repair.pk}{suffix}"


def snapshot(repair) -> tuple:
    row = RepairRequest.objects.filter(pk=repair.pk).values().get()
    return (
        row,
        RepairStatusEvent.objects.filter(repair=repair).count(),
        RepairNote.objects.filter(repair=repair).count(),
    )


@pytest.mark.parametrize("role", ["technician", "staff", "admin"])
def test_a_repair_can_be_assigned_to_anyone_working_the_desk(technician_api, role):
    repair = factories.repair_factory()
    assignee = getattr(factories, f"{role}_user")()

    response = technician_api.patch(url(repair), {"assigned_technician": assignee.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_technician"] == assignee.pk
    repair.refresh_from_db()
    assert repair.assigned_technician == assignee


def test_a_customer_cannot_be_assigned_and_nothing_changes(staff_api, customer):
    repair = factories.repair_factory(diagnosis="")
    before = snapshot(repair)

    response = staff_api.patch(url(repair), {"assigned_technician": customer.pk, "diagnosis": "Screen"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["not_a_technician"]
    assert snapshot(repair) == before


def test_unassigning_with_null(technician_api, technician):
    repair = factories.repair_factory(assigned_technician=technician)

    response = technician_api.patch(url(repair), {"assigned_technician": None}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_technician"] is None


def test_diagnosis_and_promised_date_are_saved_with_a_move_in_one_step(technician_api):
    repair = factories.repair_factory()

    response = technician_api.patch(
        url(repair), {"status": "diagnosing", "diagnosis": "Charging port worn", "promised_by": "2026-12-20"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["diagnosis"], body["promised_by"]) == ("diagnosing", "Charging port worn",
                                                                         "2026-12-20")  # fmt: skip


def test_an_estimate_alone_is_saved_without_a_move(technician_api):
    repair = factories.repair_at(RepairStatus.DIAGNOSING)

    response = technician_api.patch(url(repair), {"estimated_cost": "1500"}, format="json")

    assert response.status_code == 200
    assert (response.json()["estimated_cost"], response.json()["status"]) == ("1500.00", "diagnosing")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "fixed"), ("status", 3), ("status", None), ("assigned_technician", MAX_ID + 1),
        ("assigned_technician", 999_999), ("assigned_technician", "abc"), ("assigned_technician", True),
        ("estimated_cost", "-1"), ("estimated_cost", "1e30"), ("estimated_cost", "NaN"), ("estimated_cost", "12.345"),
        ("estimated_cost", [1]), ("final_cost", "Infinity"), ("final_cost", 10**20), ("diagnosis", "x" * 5001),
        ("diagnosis", {"a": 1}), ("promised_by", "tomorrow"), ("promised_by", "2026-13-01"), ("note", "x" * 501),
    ],
)  # fmt: skip
def test_bad_values_in_a_patch_are_refused_and_nothing_changes(technician_api, field, value):
    repair = factories.repair_factory()
    before = snapshot(repair)

    response = technician_api.patch(url(repair), {"status": "diagnosing", field: value} if field != "status" else
                                    {field: value}, format="json")  # fmt: skip

    assert response.status_code == 400, response.content
    assert error_attrs(response) == [field]
    assert snapshot(repair) == before


@pytest.mark.parametrize("body", [b"{oops", b"[1, 2]", b"42"])
def test_a_patch_body_that_is_not_a_json_object_is_refused(technician_api, body):
    repair = factories.repair_factory()
    before = snapshot(repair)

    response = technician_api.generic("PATCH", url(repair), body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert error_codes(response)
    assert snapshot(repair) == before


@pytest.mark.parametrize("pk", ["999999", str(MAX_ID), "0"])
def test_an_unknown_repair_id_answers_404(technician_api, pk):
    assert technician_api.patch(f"/api/v1/repairs/{pk}", {"status": "diagnosing"}, format="json").status_code == 404
    assert technician_api.get(f"/api/v1/repairs/{pk}").status_code == 404


def test_put_is_not_offered(technician_api):
    repair = factories.repair_factory()

    assert technician_api.put(url(repair), {"status": "diagnosing"}, format="json").status_code == 405


# --- Notes ------------------------------------------------------------------------------------------


def test_a_technician_adds_a_private_note_and_gets_201_with_the_repair(technician_api, technician):
    repair = factories.repair_factory()

    response = technician_api.post(url(repair, "/notes"), {"body": "Board has water damage"}, format="json")

    assert response.status_code == 201
    notes = response.json()["notes"]
    assert [(n["body"], n["is_public"], n["author"]) for n in notes] == [
        ("Board has water damage", False, "Cynthia Wanjiru")
    ]
    assert RepairNote.objects.get().author == technician


def test_the_owner_sees_public_notes_only_and_the_desk_sees_all(customer, customer_api, staff_api):
    repair = factories.repair_factory(user=customer)
    staff_api.post(url(repair, "/notes"), {"body": "Customer was rude", "is_public": False}, format="json")
    staff_api.post(url(repair, "/notes"), {"body": "Waiting for the screen", "is_public": True}, format="json")

    own = customer_api.get(url(repair)).json()["notes"]
    desk = staff_api.get(url(repair)).json()["notes"]

    assert [n["body"] for n in own] == ["Waiting for the screen"]
    assert [n["body"] for n in desk] == ["Customer was rude", "Waiting for the screen"]


def test_notes_are_the_desks_the_owner_is_refused_another_customer_gets_404(
    customer, customer_api, other_customer_api, api
):
    repair = factories.repair_factory(user=customer)
    body = {"body": "Hello", "is_public": True}

    assert customer_api.post(url(repair, "/notes"), body, format="json").status_code == 403
    assert other_customer_api.post(url(repair, "/notes"), body, format="json").status_code == 404
    assert api.post(url(repair, "/notes"), body, format="json").status_code == 401
    assert RepairNote.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{}, {"body": ""}, {"body": "x" * 5001}, {"body": ["a"]}, {"body": "ok", "is_public": "maybe"}]
)
def test_a_bad_note_is_refused_and_nothing_is_written(technician_api, body):
    repair = factories.repair_factory()

    response = technician_api.post(url(repair, "/notes"), body, format="json")

    assert response.status_code == 400
    assert RepairNote.objects.count() == 0


@pytest.mark.parametrize("field", ["passcode", "screenPin", "device_password"])
def test_a_passcode_is_refused_in_a_patch_too(technician_api, field):
    repair = factories.repair_factory()
    before = snapshot(repair)

    response = technician_api.patch(url(repair), {"diagnosis": "Screen", field: "0000"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["passcode_refused"]
    assert snapshot(repair) == before


# --- The PATCH's price fields, through the quotes service -------------------------------------------


def test_an_estimate_sent_for_approval_becomes_a_one_line_labour_quote(technician_api, mailoutbox,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    repair = factories.repair_at(RepairStatus.DIAGNOSING)

    with django_capture_on_commit_callbacks(execute=True):
        response = technician_api.patch(url(repair), {"status": "awaiting_approval", "estimated_cost": "1500.00"},
                                        format="json")  # fmt: skip

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["estimated_cost"]) == ("awaiting_approval", "1500.00")
    assert body["quote"]["status"] == "sent"
    assert [(line["kind"], line["line_total"]) for line in body["quote"]["lines"]] == [("labour", "1500.00")]
    assert len(mailoutbox) == 1
    assert "Total: KES 1500.00" in mailoutbox[0].body


def test_awaiting_approval_without_a_quote_or_an_estimate_is_refused(technician_api):
    repair = factories.repair_at(RepairStatus.DIAGNOSING)

    response = technician_api.patch(url(repair), {"status": "awaiting_approval"}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_transition"]


def test_a_final_cost_within_the_approved_quote_is_saved(technician_api):
    repair = factories.repair_at(RepairStatus.IN_REPAIR)  # approved at 2500

    response = technician_api.patch(url(repair), {"status": "ready_for_pickup", "final_cost": "2400"}, format="json")

    assert response.status_code == 200
    assert (response.json()["final_cost"], response.json()["amount_due"]) == ("2400.00", "2400.00")


def test_a_final_cost_above_the_approved_quote_is_409_and_nothing_changes(technician_api):
    repair = factories.repair_at(RepairStatus.IN_REPAIR)
    before = snapshot(repair)

    response = technician_api.patch(url(repair), {"status": "ready_for_pickup", "final_cost": "2500.01"},
                                    format="json")  # fmt: skip

    assert response.status_code == 409
    assert error_codes(response) == ["quote_exceeded"]
    assert snapshot(repair) == before

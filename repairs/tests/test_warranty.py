"""Warranty claims through the service: free, linked, never restarting the clock, refused after the date."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.dates import store_today
from core.exceptions import InvalidTransition
from core.testing import error_attrs, error_codes
from repairs.exceptions import WarrantyExpired
from repairs.models import RepairRequest, RepairStatus
from repairs.services.lifecycle import repair_transition
from repairs.services.warranty import warranty_claim_open
from repairs.tests.factories import customer_user, repair_factory, staff_user

pytestmark = pytest.mark.django_db

S = RepairStatus


def completed(days_left: int = 30, **kw) -> RepairRequest:
    return repair_factory(
        status=S.COMPLETED, warranty_until=store_today() + timedelta(days=days_left),
        approved_total=Decimal("4000.00"), final_cost=Decimal("4000.00"), amount_paid=Decimal("4000.00"), **kw,
    )  # fmt: skip


def test_a_claim_is_a_free_new_ticket_for_the_same_device_and_customer():
    owner = customer_user()
    original = completed(user=owner, serial_number="SN-1234", contact_email="akinyi@example.com")

    claim = warranty_claim_open(repair=original, issue_description="The screen flickers again.", actor=staff_user())

    assert claim.pk != original.pk
    assert (claim.status, claim.warranty_of_id, claim.user_id) == (S.RECEIVED, original.pk, owner.pk)
    assert (claim.serial_number, claim.contact_email) == ("SN-1234", "akinyi@example.com")
    assert claim.issue_description == "The screen flickers again."
    assert claim.tracking_code != original.tracking_code
    assert claim.warranty_until == original.warranty_until
    assert (claim.charge, claim.amount_due) == (Decimal("0.00"), Decimal("0.00"))


def test_completing_a_claim_never_restarts_the_warranty():
    original = completed(days_left=3)
    claim = warranty_claim_open(repair=original, issue_description="Again", actor=None)
    for status in (S.DIAGNOSING, S.IN_REPAIR, S.READY_FOR_PICKUP, S.COMPLETED):
        claim = repair_transition(repair=claim, to=status)

    assert claim.completed_at is not None
    assert claim.warranty_until == original.warranty_until == store_today() + timedelta(days=3)


def test_a_claim_on_the_last_day_is_accepted_and_the_day_after_refused():
    assert warranty_claim_open(repair=completed(days_left=0), issue_description="x", actor=None).pk

    late = completed(days_left=-1)
    with pytest.raises(WarrantyExpired) as caught:
        warranty_claim_open(repair=late, issue_description="x", actor=None)

    assert caught.value.default_code == "warranty_expired"
    assert not RepairRequest.objects.filter(warranty_of=late).exists()


@pytest.mark.parametrize("status", [S.RECEIVED, S.IN_REPAIR, S.READY_FOR_PICKUP, S.CANCELLED])
def test_only_a_completed_repair_can_be_claimed(status):
    repair = repair_factory(status=status, warranty_until=store_today() + timedelta(days=30))

    with pytest.raises(InvalidTransition):
        warranty_claim_open(repair=repair, issue_description="x", actor=None)

    assert RepairRequest.objects.count() == 1


def test_a_claim_on_a_claim_belongs_to_the_first_repair_and_keeps_its_date():
    original = completed(days_left=10)
    first = warranty_claim_open(repair=original, issue_description="Again", actor=None)
    for status in (S.DIAGNOSING, S.IN_REPAIR, S.READY_FOR_PICKUP, S.COMPLETED):
        first = repair_transition(repair=first, to=status)

    second = warranty_claim_open(repair=first, issue_description="And again", actor=None)

    assert (second.warranty_of_id, second.warranty_until) == (original.pk, original.warranty_until)


# --- Over the API ---------------------------------------------------------------------------------------


def test_the_owner_claims_the_warranty_and_gets_a_free_linked_ticket(customer, customer_api):
    original = completed(user=customer)

    response = customer_api.post(f"/api/v1/repairs/{original.pk}/warranty-claim",
                                 {"issue_description": "It stopped charging again."}, format="json")  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["warranty_of"], body["amount_due"]) == ("received", original.pk, "0.00")
    assert body["warranty_until"] == original.warranty_until.isoformat()
    assert body["tracking_code"] != original.tracking_code
    assert customer_api.get("/api/v1/repairs").json()["count"] == 2


def test_a_claim_after_the_warranty_answers_409_and_opens_nothing(customer, customer_api):
    original = completed(days_left=-1, user=customer)

    response = customer_api.post(f"/api/v1/repairs/{original.pk}/warranty-claim", {"issue_description": "x"},
                                 format="json")  # fmt: skip

    assert (response.status_code, error_codes(response)) == (409, ["warranty_expired"])
    assert RepairRequest.objects.count() == 1


def test_staff_claim_for_the_customer_and_others_cannot(customer, staff_api, other_customer_api, technician_api):
    original = completed(user=customer)
    path = f"/api/v1/repairs/{original.pk}/warranty-claim"

    assert other_customer_api.post(path, {"issue_description": "x"}, format="json").status_code == 404
    assert technician_api.post(path, {"issue_description": "x"}, format="json").status_code == 403
    assert RepairRequest.objects.count() == 1
    response = staff_api.post(path, {"issue_description": "x"}, format="json")
    assert response.status_code == 201
    assert RepairRequest.objects.get(pk=response.json()["id"]).user == customer


@pytest.mark.parametrize("body", [{}, {"issue_description": ""}, {"issue_description": "x" * 5001}])
def test_a_claim_without_a_description_is_refused_and_opens_nothing(customer, customer_api, body):
    original = completed(user=customer)

    response = customer_api.post(f"/api/v1/repairs/{original.pk}/warranty-claim", body, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["issue_description"]
    assert RepairRequest.objects.count() == 1

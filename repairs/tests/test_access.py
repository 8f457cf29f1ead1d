"""
Who sees which ticket (`repairs_visible_to`): the owner their own, the desk all of them, another
customer nothing (404, never 403: the ticket's existence is not revealed). Technicians see the
repair queue and never the shop's orders, payments or customers.
"""

import pytest

from repairs.models import RepairStatus
from repairs.tests import factories

pytestmark = pytest.mark.django_db


def test_the_owner_sees_their_repair(customer, customer_api):
    repair = factories.repair_factory(user=customer)

    response = customer_api.get(f"/api/v1/repairs/{repair.pk}")

    assert response.status_code == 200
    assert response.json()["tracking_code"] == repair.tracking_code


def test_another_customer_gets_404_on_read_patch_and_notes(customer, other_customer_api):
    repair = factories.repair_factory(user=customer)

    assert other_customer_api.get(f"/api/v1/repairs/{repair.pk}").status_code == 404
    assert other_customer_api.patch(f"/api/v1/repairs/{repair.pk}", {"status": "diagnosing"},
                                    format="json").status_code == 404  # fmt: skip
    assert other_customer_api.post(f"/api/v1/repairs/{repair.pk}/notes", {"body": "x"},
                                   format="json").status_code == 404  # fmt: skip
    assert other_customer_api.get("/api/v1/repairs").json()["count"] == 0


def test_a_repair_taken_in_without_an_account_is_nobodys_but_the_desks(customer_api, technician_api):
    repair = factories.repair_factory(user=None)

    assert customer_api.get(f"/api/v1/repairs/{repair.pk}").status_code == 404
    assert technician_api.get(f"/api/v1/repairs/{repair.pk}").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/repairs", "/api/v1/repairs/1"])
def test_reading_repairs_needs_a_token(api, path):
    factories.repair_factory()

    assert api.get(path).status_code == 401


@pytest.mark.parametrize("role", ["technician", "staff", "admin"])
def test_the_desk_lists_every_repair_newest_first(role):
    from core.testing import authenticated_client

    older, newer = factories.repair_factory(), factories.repair_factory(status=RepairStatus.DIAGNOSING)

    body = authenticated_client(getattr(factories, f"{role}_user")()).get("/api/v1/repairs").json()

    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/payments", "/api/v1/users"])
def test_a_technician_cannot_list_orders_payments_or_customers(technician_api, path):
    response = technician_api.get(path)

    assert response.status_code == 403


def test_the_full_body_has_what_api_md_lists(technician_api):
    repair = factories.repair_at(RepairStatus.IN_REPAIR)

    body = technician_api.get(f"/api/v1/repairs/{repair.pk}").json()

    assert {"id", "tracking_code", "status", "device_type", "brand", "model", "serial_number", "issue_description",
            "contact_name", "contact_phone", "contact_email", "assigned_technician", "diagnosis", "estimated_cost",
            "final_cost", "quote", "amount_due", "amount_paid", "payment_status", "parts", "warranty_until",
            "warranty_of", "promised_by", "history", "notes", "unlocks_at_counter"} <= set(body)  # fmt: skip
    assert body["quote"]["status"] == "approved"
    assert body["quote"]["lines"][0]["kind"] == "labour"
    assert (body["amount_due"], body["payment_status"]) == ("2500.00", "unpaid")


def test_a_draft_quote_is_not_shown_in_the_repair_body(technician_api):
    from repairs.tests.factories import quote_factory

    repair = factories.repair_at(RepairStatus.DIAGNOSING)
    quote_factory(repair, status="draft")

    assert technician_api.get(f"/api/v1/repairs/{repair.pk}").json()["quote"] is None

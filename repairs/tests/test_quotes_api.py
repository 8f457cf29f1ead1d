"""
Quotes over the API: the desk prepares and sends, the customer answers with the account or with the
tracking code alone; who may do what; bad input answers 400 and writes nothing; parts and stock as
the customer's answer leaves them, checked in the database.
"""

from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import StockMovement
from core.testing import error_attrs, error_codes
from repairs.models import QuoteStatus, RepairQuote, RepairRequest, RepairStatus, RepairStatusEvent
from repairs.tests import factories
from repairs.tests.stock_checks import assert_stock_consistent, stocked

pytestmark = pytest.mark.django_db

S = RepairStatus


@pytest.fixture
def repair(customer):
    return factories.repair_factory(status=S.DIAGNOSING, user=customer, contact_email="wanjiku@example.com")


def put_quote(client, repair, *lines, note=""):
    return client.put(f"/api/v1/repairs/{repair.pk}/quote", {"lines": list(lines), "note": note}, format="json")


def labour(price="1500.00", description="Replace the charging port"):
    return {"kind": "labour", "description": description, "unit_price": price}


def part(variant, quantity=1, **kw):
    return {"kind": "part", "variant_id": variant.pk, "quantity": quantity, **kw}


def sent(client, repair, *lines):
    assert put_quote(client, repair, *lines).status_code == 200
    response = client.post(f"/api/v1/repairs/{repair.pk}/quote/send")
    assert response.status_code == 200, response.json()
    return response


# --- The desk prepares and sends ----------------------------------------------------------------------


def test_the_desk_saves_a_draft_priced_from_the_catalog_and_the_customer_does_not_see_it(
    technician_api, customer_api, repair
):
    screen = stocked(4, price=Decimal("4500.00"))

    response = put_quote(technician_api, repair, part(screen), part(screen, 1, unit_price="4000.00"), labour(),
                         note="Screen and port")  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["status"], body["total"], body["note"]) == (1, "draft", "10000.00", "Screen and port")
    assert [(line["kind"], line["unit_price"], line["line_total"]) for line in body["lines"]] == [
        ("part", "4500.00", "4500.00"),
        ("part", "4000.00", "4000.00"),
        ("labour", "1500.00", "1500.00"),
    ]
    assert technician_api.get(f"/api/v1/repairs/{repair.pk}/quote").json()["status"] == "draft"
    assert customer_api.get(f"/api/v1/repairs/{repair.pk}/quote").status_code == 404
    assert customer_api.get(f"/api/v1/repairs/{repair.pk}").json()["quote"] is None


def test_sending_moves_the_repair_to_awaiting_approval_and_emails_the_customer(
    technician_api, customer_api, repair, django_capture_on_commit_callbacks
):
    put_quote(technician_api, repair, labour("2500.00"))

    with django_capture_on_commit_callbacks(execute=True):
        response = technician_api.post(f"/api/v1/repairs/{repair.pk}/quote/send")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["estimated_cost"]) == ("awaiting_approval", "2500.00")
    assert (body["quote"]["version"], body["quote"]["status"], body["quote"]["total"]) == (1, "sent", "2500.00")
    assert [message.to for message in mail.outbox] == [["wanjiku@example.com"]]
    assert repair.tracking_code in mail.outbox[0].body
    assert customer_api.get(f"/api/v1/repairs/{repair.pk}/quote").json()["status"] == "sent"


def test_an_empty_quote_cannot_be_sent(technician_api, repair):
    put_quote(technician_api, repair)

    response = technician_api.post(f"/api/v1/repairs/{repair.pk}/quote/send")

    assert response.status_code == 400
    assert error_codes(response) == ["quote_empty"]
    repair.refresh_from_db()
    assert repair.status == S.DIAGNOSING


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"lines": [{"kind": "labour", "description": "x"}]}, "lines.0.unit_price"),
        ({"lines": [{"kind": "labour", "unit_price": "5.00"}]}, "lines.0.description"),
        ({"lines": [{"kind": "part", "quantity": 1}]}, "lines.0.variant_id"),
        ({"lines": [{"kind": "part", "variant_id": 999999}]}, "lines.0.variant_id"),
        ({"lines": [{"kind": "labour", "description": "x", "unit_price": "-1"}]}, "lines.0.unit_price"),
        ({"lines": [{"kind": "labour", "description": "x", "unit_price": "NaN"}]}, "lines.0.unit_price"),
        ({"lines": [{"kind": "labour", "description": "x", "unit_price": "1", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"kind": "gift", "description": "x", "unit_price": "1"}]}, "lines.0.kind"),
        ({"lines": "labour"}, "lines"),
        ({"lines": [labour()] * 51}, "lines"),
        ({}, "lines"),
    ],
)
def test_a_bad_draft_is_refused_by_field_and_writes_nothing(technician_api, repair, body, attr):
    response = technician_api.put(f"/api/v1/repairs/{repair.pk}/quote", body, format="json")

    assert response.status_code == 400
    assert attr in error_attrs(response)
    assert not RepairQuote.objects.exists()


def test_only_the_desk_prepares_and_sends_quotes(customer_api, staff_api, repair):
    assert put_quote(customer_api, repair, labour()).status_code == 403
    assert customer_api.post(f"/api/v1/repairs/{repair.pk}/quote/send").status_code == 403
    assert put_quote(staff_api, repair, labour()).status_code == 200


def test_a_repair_with_no_quote_has_none_to_show(technician_api, repair):
    response = technician_api.get(f"/api/v1/repairs/{repair.pk}/quote")

    assert response.status_code == 404


# --- The customer answers -----------------------------------------------------------------------------


def test_the_owner_approves_with_the_account_and_the_parts_are_held(technician_api, customer_api, repair):
    screen = stocked(3)
    sent(technician_api, repair, part(screen, 2, unit_price="3000.00"), labour("1000.00"))

    response = customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["quote"]["status"], body["amount_due"]) == ("in_repair", "approved", "7000.00")
    assert body["parts"] == [{"variant_id": screen.pk, "sku": screen.sku, "quantity": 2, "state": "reserved"}]
    assert body["history"][-1]["actor"] == "customer"
    movement = StockMovement.objects.get(repair_id=repair.pk)
    assert (movement.reason, movement.reserved_delta, movement.delta) == ("repair", 2, 0)
    assert_stock_consistent(screen)


def test_anyone_with_the_tracking_code_approves_and_sees_no_contact_details(technician_api, api, repair):
    sent(technician_api, repair, labour("2500.00"))

    response = api.post(f"/api/v1/repairs/track/{repair.tracking_code.lower()}/approve-quote")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["quote"]["status"], body["amount_due"]) == ("in_repair", "approved", "2500.00")
    assert "contact_email" not in body and "contact_phone" not in body
    repair.refresh_from_db()
    assert (repair.status, repair.approved_total) == (S.IN_REPAIR, Decimal("2500.00"))
    # The desk reads in the history who answered, though no account did.
    assert repair.history.last().note == "Quote v1 approved by the customer with the tracking code"


def test_declining_with_the_tracking_code_cancels_or_sends_back_to_diagnosis(technician_api, api, repair):
    sent(technician_api, repair, labour("9000.00"))

    response = api.post(f"/api/v1/repairs/track/{repair.tracking_code}/decline-quote", {"back_to_diagnosis": True},
                        format="json")  # fmt: skip

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["quote"]["status"]) == ("diagnosing", "declined")
    sent(technician_api, repair, labour("6000.00"))
    response = api.post(f"/api/v1/repairs/track/{repair.tracking_code}/decline-quote")
    assert response.json()["status"] == "cancelled"


def test_an_unknown_tracking_code_answers_404(api):
    assert api.post("/api/v1/repairs/track/RP-NOPE-NOPE/approve-quote").status_code == 404
    assert api.post("/api/v1/repairs/track/RP-NOPE-NOPE/decline-quote").status_code == 404


def test_another_customers_repair_answers_404_and_a_technician_cannot_answer_for_the_customer(
    technician_api, other_customer_api, repair
):
    sent(technician_api, repair, labour())

    for path in ("approve-quote", "decline-quote", "quote"):
        method = other_customer_api.get if path == "quote" else other_customer_api.post
        assert method(f"/api/v1/repairs/{repair.pk}/{path}").status_code == 404
    assert technician_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote").status_code == 403
    repair.refresh_from_db()
    assert repair.status == S.AWAITING_APPROVAL


def test_staff_answer_for_the_customer_at_the_counter(technician_api, staff_api, repair):
    sent(technician_api, repair, labour())

    response = staff_api.post(f"/api/v1/repairs/{repair.pk}/decline-quote", {"back_to_diagnosis": False},
                              format="json")  # fmt: skip

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_a_quote_not_waiting_for_an_answer_cannot_be_answered(technician_api, customer_api, api, repair):
    response = customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")
    assert (response.status_code, error_codes(response)) == (409, ["invalid_transition"])

    sent(technician_api, repair, labour())
    assert customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote").status_code == 200
    history = RepairStatusEvent.objects.filter(repair=repair).count()

    for response in (
        customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote"),
        customer_api.post(f"/api/v1/repairs/{repair.pk}/decline-quote"),
        api.post(f"/api/v1/repairs/track/{repair.tracking_code}/decline-quote"),
    ):
        assert (response.status_code, error_codes(response)) == (409, ["invalid_transition"])
    repair.refresh_from_db()
    assert repair.status == S.IN_REPAIR
    assert RepairStatusEvent.objects.filter(repair=repair).count() == history


def test_a_bad_decline_body_is_refused_and_changes_nothing(technician_api, customer_api, repair):
    sent(technician_api, repair, labour())

    response = customer_api.post(f"/api/v1/repairs/{repair.pk}/decline-quote", {"back_to_diagnosis": "perhaps"},
                                 format="json")  # fmt: skip

    assert response.status_code == 400
    assert error_attrs(response) == ["back_to_diagnosis"]
    repair.refresh_from_db()
    assert repair.status == S.AWAITING_APPROVAL
    assert repair.quotes.get().status == QuoteStatus.SENT


def test_a_part_out_of_stock_sends_the_approved_repair_to_wait_for_parts(technician_api, customer_api, repair):
    screen = stocked(0)
    sent(technician_api, repair, part(screen), labour())

    response = customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["parts"]) == ("awaiting_parts", [])
    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", {"status": "in_repair"}, format="json")
    assert (response.status_code, error_codes(response)) == (409, ["out_of_stock"])
    assert_stock_consistent(screen)


# --- Revisions and the final cost ----------------------------------------------------------------------


def test_a_revision_needs_a_new_approval_before_the_final_cost_can_rise(technician_api, customer_api, repair):
    sent(technician_api, repair, labour("2000.00"))
    customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")
    sent(technician_api, repair, labour("2000.00"), labour("1200.00", "Replace the battery"))

    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", {"final_cost": "3200.00"}, format="json")
    assert (response.status_code, error_codes(response)) == (409, ["quote_exceeded"])
    assert customer_api.get(f"/api/v1/repairs/{repair.pk}").json()["amount_due"] == "2000.00"

    body = customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote").json()
    assert (body["status"], body["quote"]["version"], body["amount_due"]) == ("in_repair", 2, "3200.00")
    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", {"final_cost": "3200.00"}, format="json")
    assert response.status_code == 200
    assert RepairRequest.objects.get(pk=repair.pk).final_cost == Decimal("3200.00")


def test_a_final_cost_above_the_approved_quote_is_refused_and_not_saved(technician_api, customer_api, repair):
    sent(technician_api, repair, labour("2000.00"))
    customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")

    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", {"final_cost": "2000.01"}, format="json")

    assert (response.status_code, error_codes(response)) == (409, ["quote_exceeded"])
    assert RepairRequest.objects.get(pk=repair.pk).final_cost is None


def test_the_labour_shortcut_of_the_desks_patch_sends_a_quote_the_customer_approves(technician_api, api, repair):
    body = {"status": "awaiting_approval", "estimated_cost": "1800.00"}
    response = technician_api.patch(f"/api/v1/repairs/{repair.pk}", body, format="json")

    assert response.status_code == 200
    quote = response.json()["quote"]
    assert (quote["status"], quote["total"]) == ("sent", "1800.00")
    assert [line["kind"] for line in quote["lines"]] == ["labour"]
    assert api.post(f"/api/v1/repairs/track/{repair.tracking_code}/approve-quote").json()["status"] == "in_repair"


# --- Completion and cancellation through the API ------------------------------------------------------


def test_a_completed_repair_has_sold_its_parts_and_a_cancelled_one_gave_them_back(
    technician_api, staff_api, customer_api, customer
):
    screen = stocked(5)
    done = factories.repair_factory(status=S.DIAGNOSING, user=customer)
    dropped = factories.repair_factory(status=S.DIAGNOSING, user=customer)
    for repair in (done, dropped):
        sent(technician_api, repair, part(screen, 2))
        customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")

    for status in ("ready_for_pickup", "completed"):
        staff_api.patch(f"/api/v1/repairs/{done.pk}", {"status": status}, format="json")
    body = staff_api.patch(f"/api/v1/repairs/{dropped.pk}", {"status": "cancelled"}, format="json").json()

    assert body["parts"] == [{"variant_id": screen.pk, "sku": screen.sku, "quantity": 2, "state": "released"}]
    done_body = staff_api.get(f"/api/v1/repairs/{done.pk}").json()
    assert done_body["parts"][0]["state"] == "used"
    assert done_body["warranty_until"] is not None
    screen.refresh_from_db()
    assert (screen.stock_quantity, screen.reserved_quantity) == (3, 0)
    assert list(StockMovement.objects.filter(repair_id=done.pk).values_list("delta", "reserved_delta")) == [
        (-2, -2),
        (0, 2),
    ]  # newest first
    assert_stock_consistent(screen)


def test_staff_find_a_repairs_part_movements_in_the_inventory(technician_api, customer_api, staff_api, repair):
    screen = stocked(3)
    sent(technician_api, repair, part(screen, 2))
    customer_api.post(f"/api/v1/repairs/{repair.pk}/approve-quote")

    response = staff_api.get("/api/v1/inventory/movements", {"reason": "repair"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["sku"], row["reason"], row["reserved_delta"], row["repair_id"], row["order_id"]) for row in rows] == [
        (screen.sku, "repair", 2, repair.pk, None)
    ]

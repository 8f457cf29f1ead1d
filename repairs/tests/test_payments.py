"""
Paying for a repair through the same paths as orders: an STK push with `repair_id` against Daraja
on loopback, its callback, the lost-callback query, the simulator, cash at the counter, refunds
through the orders' refund rows and gateways, and the repairs that wait on the Needs-attention page.
"""

import json
from decimal import Decimal
from itertools import count

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from core.testing import authenticated_client, error_attrs, error_codes
from orders.models import OrderRefund
from payments.models import GatewayNotification, Payment
from payments.tests.conftest import CALLBACK_TOKEN, daraja, push_accepted, stk_callback, token_ok  # noqa: F401
from repairs.models import DeviceType, RepairRequest, RepairStatus
from repairs.services.payments import amount_due_expression, repair_record_cash

pytestmark = pytest.mark.django_db

STK_PUSH = "/api/v1/payments/mpesa/stk-push"
CALLBACK = f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}"
STK_QUERY = "/mpesa/stkpushquery/v1/query"
ATTENTION = "/admin/payments/payment/attention/"
_codes = count(1)


def make_repair(*, user=None, status=RepairStatus.IN_REPAIR, approved_total="999.50", **fields) -> RepairRequest:
    """A ticket in `status` whose customer approved `approved_total` (None: no quote approved yet)."""
    return RepairRequest.objects.create(
        tracking_code=f"RP-TEST-{next(_codes):04d}",
        user=user,
        status=status,
        device_type=DeviceType.PHONE,
        brand="Tecno",
        model="Spark 20",
        issue_description="Does not charge.",
        contact_name="Akinyi Otieno",
        contact_phone="254712345678",
        contact_email="akinyi@example.com",
        approved_total=None if approved_total is None else Decimal(approved_total),
        **fields,
    )


def fresh(repair: RepairRequest) -> RepairRequest:
    return RepairRequest.objects.get(pk=repair.pk)


def callback(api, body):
    return api.generic("POST", CALLBACK, json.dumps(body), content_type="application/json")


def push(client, repair, phone="0712345678"):
    return client.post(STK_PUSH, {"repair_id": repair.pk, "phone": phone}, format="json")


@pytest.fixture
def repair(customer):
    return make_repair(user=customer)


@pytest.fixture
def pushed(daraja, customer_api, repair):  # noqa: F811
    """The customer's repair (999.50 due) with an STK push Daraja accepted as ws_CO_R1."""
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_R1")
    response = push(customer_api, repair)
    assert response.status_code == 202, response.json()
    return repair, Payment.objects.get(pk=response.json()["id"])


# --- STK push -----------------------------------------------------------------------------------


def test_the_owner_pushes_an_stk_for_a_repair_rounded_up_to_the_shilling(daraja, customer_api, repair):  # noqa: F811
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_R1")

    response = push(customer_api, repair)

    assert response.status_code == 202
    body = response.json()
    assert (body["repair_id"], body["order_id"], body["status"]) == (repair.pk, None, "pending")
    assert (body["amount"], body["phone"], body["checkout_request_id"]) == ("1000.00", "254712345678", "ws_CO_R1")
    sent = json.loads(next(r for r, _ in daraja.log if r.path.endswith("processrequest")).data)
    assert (sent["Amount"], sent["AccountReference"]) == (1000, repair.tracking_code)
    assert fresh(repair).payment_status == "unpaid"


def test_staff_push_for_any_customers_repair(daraja, staff_api, repair):  # noqa: F811
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_R1")

    assert push(staff_api, repair).status_code == 202


def test_another_customers_repair_is_not_found(daraja, customer_api):  # noqa: F811
    theirs = make_repair(user=UserFactory())

    response = push(customer_api, theirs)

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_repair_without_an_account_is_not_found_for_a_customer(daraja, customer_api):  # noqa: F811
    assert push(customer_api, make_repair(user=None)).status_code == 404


def test_a_technician_may_not_push_a_payment(daraja, technician_api, repair):  # noqa: F811
    assert push(technician_api, repair).status_code == 403


@pytest.mark.parametrize("body", [{"phone": "0712345678"}, {"order_id": 1, "repair_id": 1, "phone": "0712345678"}])
def test_exactly_one_of_order_id_and_repair_id(customer_api, body):
    response = customer_api.post(STK_PUSH, body, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["non_field_errors"]
    assert not Payment.objects.exists()


def test_a_paid_repair_answers_409_already_paid(customer_api, customer):
    paid = make_repair(user=customer, amount_paid=Decimal("999.50"))

    response = push(customer_api, paid)

    assert response.status_code == 409
    assert error_codes(response) == ["already_paid"]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": RepairStatus.CANCELLED},
        {"status": RepairStatus.DIAGNOSING, "approved_total": None},
    ],
    ids=["cancelled", "nothing-approved"],
)
def test_a_cancelled_or_unquoted_repair_answers_409_order_not_payable(customer_api, customer, fields):
    response = push(customer_api, make_repair(user=customer, **fields))

    assert response.status_code == 409
    assert error_codes(response) == ["order_not_payable"]
    assert not Payment.objects.exists()


def test_a_warranty_claim_is_free_and_not_payable(customer_api, customer):
    original = make_repair(user=customer, status=RepairStatus.COMPLETED, amount_paid=Decimal("999.50"))
    claim = make_repair(user=customer, warranty_of=original, approved_total="500.00")

    response = push(customer_api, claim)

    assert response.status_code == 409
    assert error_codes(response) == ["order_not_payable"]


def test_the_amount_due_is_the_final_cost_once_set(daraja, customer_api, customer):  # noqa: F811
    token_ok(daraja)
    push_accepted(daraja)
    repair = make_repair(user=customer, final_cost=Decimal("800.00"), amount_paid=Decimal("300.00"))

    assert push(customer_api, repair).json()["amount"] == "500.00"


# --- Callback -----------------------------------------------------------------------------------


def test_a_successful_callback_pays_the_repair_and_a_repeat_changes_nothing(api, customer_api, pushed):
    repair, payment = pushed

    first = callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKREPAIR1"))
    second = callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKREPAIR1"))

    assert first.status_code == second.status_code == 200
    repair = fresh(repair)
    assert (repair.amount_paid, repair.amount_due, repair.payment_status) == (Decimal("1000.00"), 0, "paid")
    assert not repair.needs_attention  # 0.50 over is M-Pesa's rounding, not an overpayment
    payment.refresh_from_db()
    assert (payment.status, payment.provider_reference, payment.extra) == ("succeeded", "QKREPAIR1", False)
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert customer_api.get(f"/api/v1/payments/{payment.pk}").json()["repair_id"] == repair.pk


def test_a_failed_callback_leaves_the_repair_unpaid_and_payable(api, daraja, customer_api, pushed):  # noqa: F811
    repair, payment = pushed

    callback(api, stk_callback("ws_CO_R1", code=1032, desc="Request cancelled by user"))

    payment.refresh_from_db()
    assert (payment.status, payment.result_code) == ("failed", "1032")
    repair = fresh(repair)
    assert (repair.amount_paid, repair.amount_due, repair.payment_status) == (0, Decimal("999.50"), "unpaid")
    push_accepted(daraja, "ws_CO_R2")
    assert push(customer_api, repair).status_code == 202


def test_a_short_callback_is_flagged_not_counted(api, pushed):
    repair, payment = pushed

    callback(api, stk_callback("ws_CO_R1", amount=10, receipt="QKSHORT"))

    payment.refresh_from_db()
    assert (payment.status, payment.needs_attention) == ("pending", True)
    assert fresh(repair).amount_paid == 0


def test_a_payment_after_cash_paid_it_is_kept_apart_and_flagged_on_both(api, staff_user, pushed):
    repair, payment = pushed
    repair_record_cash(repair=repair, amount=Decimal("999.50"), actor=staff_user)

    callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKLATE"))

    payment.refresh_from_db()
    assert (payment.status, payment.extra, payment.needs_attention) == ("succeeded", True, True)
    assert "nothing was due" in payment.attention_reason
    repair = fresh(repair)
    assert repair.amount_paid == Decimal("999.50")  # counted once: the M-Pesa money waits to be given back
    assert repair.needs_attention and "QKLATE" in repair.attention_reason


def test_money_for_a_cancelled_repair_is_counted_and_flagged_for_a_refund(api, pushed):
    repair, payment = pushed
    RepairRequest.objects.filter(pk=repair.pk).update(status=RepairStatus.CANCELLED)

    callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKCANCEL"))

    repair = fresh(repair)
    assert repair.amount_paid == Decimal("1000.00")
    assert repair.needs_attention and "cancelled" in repair.attention_reason
    payment.refresh_from_db()
    assert (payment.status, payment.extra, payment.needs_attention) == ("succeeded", False, True)


def test_more_than_was_due_is_counted_and_flagged(api, pushed):
    repair, payment = pushed
    RepairRequest.objects.filter(pk=repair.pk).update(final_cost=Decimal("600.00"))  # cheaper than quoted

    callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKOVER"))

    repair = fresh(repair)
    assert (repair.amount_paid, repair.payment_status) == (Decimal("1000.00"), "paid")
    assert repair.needs_attention and "400.00 more than the 600.00 due" in repair.attention_reason
    payment.refresh_from_db()
    assert payment.needs_attention and payment.attention_reason == repair.attention_reason


# --- Refresh and simulation -----------------------------------------------------------------------


def test_refresh_applies_the_stk_query_to_the_repair(daraja, customer_api, pushed):  # noqa: F811
    repair, payment = pushed
    daraja.expect_request(STK_QUERY).respond_with_json(
        {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok", "CheckoutRequestID": "ws_CO_R1"}
    )

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert fresh(repair).payment_status == "paid"


@pytest.mark.parametrize(
    ("outcome", "status", "paid"), [("success", "succeeded", "1000.00"), ("failure", "failed", "0")]
)
def test_simulation_plays_the_gateway_for_a_repair(customer_api, repair, outcome, status, paid):
    started = push(customer_api, repair)  # no Daraja settings: the simulator takes the push
    assert started.status_code == 202

    simulate = f"/api/v1/payments/{started.json()['id']}/simulate"

    response = customer_api.post(simulate, {"outcome": outcome}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == status
    assert fresh(repair).amount_paid == Decimal(paid)


# --- Who sees repair payments -----------------------------------------------------------------------


def test_repair_payments_are_listed_to_their_owner_and_staff_only(customer_api, staff_api, repair):
    payment = Payment.objects.get(pk=push(customer_api, repair).json()["id"])
    stranger = authenticated_client(UserFactory())

    assert [row["id"] for row in customer_api.get("/api/v1/payments").json()["results"]] == [payment.pk]
    assert [row["id"] for row in staff_api.get(f"/api/v1/payments?repair_id={repair.pk}").json()["results"]] == [
        payment.pk
    ]
    assert stranger.get("/api/v1/payments").json()["results"] == []
    assert stranger.get(f"/api/v1/payments/{payment.pk}").status_code == 404


def test_technicians_never_see_payments(technician_api):
    assert technician_api.get("/api/v1/payments").status_code == 403


# --- Cash at the counter ------------------------------------------------------------------------------


def cash(client, repair, amount):
    return client.post(f"/api/v1/repairs/{repair.pk}/record-cash", {"amount": amount}, format="json")


def test_staff_record_cash_of_exactly_what_is_due(staff_api, repair):
    response = cash(staff_api, repair, "999.50")

    assert response.status_code == 200
    body = response.json()
    assert (body["amount_due"], body["payment_status"]) == ("0.00", "paid")
    payment = Payment.objects.get(repair_id=repair.pk)
    assert (payment.gateway, payment.status, payment.amount) == ("cash", "succeeded", Decimal("999.50"))
    assert fresh(repair).amount_paid == Decimal("999.50")


def test_cash_of_another_amount_is_refused_naming_what_is_due(staff_api, repair):
    response = cash(staff_api, repair, "1000.00")

    assert response.status_code == 400
    assert error_attrs(response) == ["amount"]
    assert "999.50" in response.json()["errors"][0]["detail"]
    assert not Payment.objects.exists()


def test_cash_for_a_paid_repair_answers_409_already_paid(staff_api, repair):
    cash(staff_api, repair, "999.50")

    response = cash(staff_api, repair, "999.50")

    assert response.status_code == 409
    assert error_codes(response) == ["already_paid"]
    assert Payment.objects.count() == 1


def test_cash_for_a_cancelled_repair_answers_409_order_not_payable(staff_api, customer):
    response = cash(staff_api, make_repair(user=customer, status=RepairStatus.CANCELLED), "999.50")

    assert response.status_code == 409
    assert error_codes(response) == ["order_not_payable"]


@pytest.mark.parametrize("who", ["customer", "technician"])
def test_only_staff_record_cash(customer_api, technician_api, repair, who):
    client = customer_api if who == "customer" else technician_api

    assert cash(client, repair, "999.50").status_code == 403
    assert fresh(repair).amount_paid == 0


def test_cash_for_an_unknown_repair_is_not_found(staff_api):
    assert staff_api.post("/api/v1/repairs/999999/record-cash", {"amount": "1.00"}, format="json").status_code == 404


# --- Refunds --------------------------------------------------------------------------------------


def refund(client, repair, **body):
    return client.post(f"/api/v1/repairs/{repair.pk}/refund", {"reason": "Fault came back", **body}, format="json")


def test_a_refund_of_a_cash_paid_repair_goes_back_through_the_cash_gateway(
    staff_api, repair, django_capture_on_commit_callbacks
):
    cash(staff_api, repair, "999.50")

    with django_capture_on_commit_callbacks(execute=True):
        response = refund(staff_api, repair, amount="400.00")

    assert response.status_code == 200
    assert response.json()["payment_status"] == "partially_refunded"
    assert fresh(repair).amount_refunded == Decimal("400.00")
    (row,) = OrderRefund.objects.all()
    payment = Payment.objects.get()
    assert (row.repair_id, row.order_id, row.payment_id, row.amount) == (repair.pk, None, payment.pk, Decimal("400"))
    assert row.status == "succeeded"  # cash is handed back by hand at once
    payment.refresh_from_db()
    assert payment.status == "succeeded"  # 599.50 of it is still the shop's

    with django_capture_on_commit_callbacks(execute=True):
        rest = refund(staff_api, repair)  # no amount: all that is left

    assert rest.json()["payment_status"] == "refunded"
    payment.refresh_from_db()
    assert payment.status == "refunded"


def test_an_m_pesa_refund_waits_for_the_reversal_and_shows_on_needs_attention(
    api, staff_api, staff_user, pushed, django_capture_on_commit_callbacks
):
    repair, _payment = pushed
    callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKREFUND"))

    with django_capture_on_commit_callbacks(execute=True):
        response = refund(staff_api, repair)

    assert response.json()["payment_status"] == "refunded"
    (row,) = OrderRefund.objects.all()
    assert (row.amount, row.status) == (Decimal("1000.00"), "pending")
    assert "M-Pesa portal" in row.attention
    browser = Client()
    browser.force_login(staff_user)
    page = browser.get(ATTENTION).text
    assert "Refunds not settled" in page and "M-Pesa portal" in page and f"Repair {repair.pk}" in page


def test_nothing_paid_is_nothing_to_refund(staff_api, repair):
    response = refund(staff_api, repair)

    assert response.status_code == 409
    assert error_codes(response) == ["refund_not_allowed"]


def test_a_refund_above_what_was_paid_is_refused(staff_api, repair):
    cash(staff_api, repair, "999.50")

    response = refund(staff_api, repair, amount="1000.00")

    assert response.status_code == 400
    assert error_attrs(response) == ["amount"]
    assert not OrderRefund.objects.exists()


@pytest.mark.parametrize("who", ["customer", "technician"])
def test_only_staff_refund_a_repair(customer_api, technician_api, staff_api, repair, who):
    cash(staff_api, repair, "999.50")
    client = customer_api if who == "customer" else technician_api

    assert refund(client, repair).status_code == 403
    assert not OrderRefund.objects.exists()


def test_an_extra_repair_payment_is_given_back_on_its_own(api, staff_user, pushed, django_capture_on_commit_callbacks):
    from payments.services import payment_refund_extra

    repair, payment = pushed
    repair_record_cash(repair=repair, amount=Decimal("999.50"), actor=staff_user)
    callback(api, stk_callback("ws_CO_R1", amount=1000, receipt="QKEXTRA"))
    payment.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        row = payment_refund_extra(payment=payment, actor=staff_user)

    assert (row.repair_id, row.extra_payment, row.amount) == (repair.pk, True, Decimal("1000.00"))
    assert fresh(repair).amount_refunded == 0  # the repair's books never held it


# --- Needs attention --------------------------------------------------------------------------------


@pytest.fixture
def browser(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_a_repair_handed_over_with_money_due_is_on_needs_attention_until_paid(browser, staff_user, customer):
    handed_over = make_repair(user=customer, status=RepairStatus.COMPLETED, amount_paid=Decimal("500.00"))
    make_repair(user=customer, status=RepairStatus.COMPLETED, amount_paid=Decimal("999.50"))  # paid: not listed
    make_repair(user=customer, status=RepairStatus.READY_FOR_PICKUP)  # not handed over yet: not listed

    text = browser.get(ATTENTION).text

    assert "Repairs to settle" in text
    assert handed_over.tracking_code in text and "KES 499.50" in text and "Handed over unpaid" in text
    assert text.count("RP-TEST-") == 1

    repair_record_cash(repair=handed_over, amount=Decimal("499.50"), actor=staff_user)

    assert handed_over.tracking_code not in browser.get(ATTENTION).text


def test_the_repairs_section_costs_the_same_queries_for_one_repair_as_for_five(
    browser, customer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_repair(user=customer, status=RepairStatus.COMPLETED)
    browser.get(ATTENTION)  # warm the process-wide caches first
    with CaptureQueriesContext(connection) as one:
        assert browser.get(ATTENTION).status_code == 200
    for _ in range(4):
        make_repair(user=customer, status=RepairStatus.COMPLETED)
    make_repair(user=customer, status=RepairStatus.CANCELLED, needs_attention=True, attention_reason="Paid late")

    with django_assert_max_num_queries(len(one.captured_queries)):
        text = browser.get(ATTENTION).text

    assert text.count("Handed over unpaid") == 5 and "Paid late" in text


# --- The rule in the database matches the model --------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"approved_total": None},
        {"final_cost": Decimal("700.00")},
        {"final_cost": Decimal("700.00"), "amount_paid": Decimal("800.00")},
        {"amount_paid": Decimal("100.00")},
        {"status": RepairStatus.COMPLETED, "approved_total": None, "final_cost": Decimal("0.00")},
        {"warranty": True},
    ],
)
def test_the_amount_due_in_the_database_is_the_models(customer, fields):
    fields = dict(fields)
    if fields.pop("warranty", False):
        fields["warranty_of"] = make_repair(user=customer, status=RepairStatus.COMPLETED)
    repair = make_repair(user=customer, **fields)

    annotated = RepairRequest.objects.annotate(due=amount_due_expression()).get(pk=repair.pk)

    assert annotated.due == repair.amount_due


def test_a_cancelled_repair_still_holding_money_is_on_needs_attention_until_refunded(
    browser, staff_api, repair, django_capture_on_commit_callbacks
):
    cash(staff_api, repair, "999.50")
    RepairRequest.objects.filter(pk=repair.pk).update(status=RepairStatus.CANCELLED)

    text = browser.get(ATTENTION).text

    assert repair.tracking_code in text and "Cancelled with KES 999.50 paid: refund it." in text
    with django_capture_on_commit_callbacks(execute=True):
        refund(staff_api, repair)
    assert repair.tracking_code not in browser.get(ATTENTION).text

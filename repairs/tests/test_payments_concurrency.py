"""
A repair's money under real concurrency, on PostgreSQL with real threads: an M-Pesa callback racing
staff recording cash at the counter counts the money once, whichever commits first.
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.testing import authenticated_client, error_codes, run_at_once
from payments.models import Payment
from payments.services import mpesa_payment_create, mpesa_payment_send
from payments.tests.conftest import CALLBACK_TOKEN, stk_callback
from repairs.models import RepairRequest, RepairStatus
from repairs.tests.test_payments import make_repair

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def simulated_mpesa(settings):
    settings.PAYMENTS_SIMULATION = True
    settings.MPESA_CONSUMER_KEY = ""
    settings.MPESA_CALLBACK_TOKEN = CALLBACK_TOKEN


def test_a_callback_racing_cash_at_the_counter_never_counts_the_money_twice():
    staff = UserFactory(role=Role.STAFF)
    winners = set()
    for round_ in range(8):
        repair = make_repair(user=UserFactory(), status=RepairStatus.READY_FOR_PICKUP, approved_total="1000.00")
        payment = mpesa_payment_send(payment=mpesa_payment_create(repair=repair, phone="0712345678"))
        body = stk_callback(payment.checkout_request_id, amount=1000, receipt=f"QKRACE{round_}")

        def paid_by_mpesa(body=body):
            return APIClient().post(f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}", body, format="json")

        def paid_in_cash(repair=repair):
            return authenticated_client(staff).post(
                f"/api/v1/repairs/{repair.pk}/record-cash", {"amount": "1000.00"}, format="json"
            )

        callback, cash = run_at_once([paid_by_mpesa, paid_in_cash])

        assert getattr(callback, "status_code", repr(callback)) == 200
        assert getattr(cash, "status_code", repr(cash)) in (200, 409)
        repair = RepairRequest.objects.get(pk=repair.pk)
        assert (repair.amount_paid, repair.amount_due, repair.payment_status) == (1000, 0, "paid")
        payment.refresh_from_db()
        counted = Payment.objects.filter(repair_id=repair.pk, status="succeeded", extra=False)
        assert counted.count() == 1
        if cash.status_code == 200:  # cash first: the M-Pesa money is kept apart, flagged to be given back
            winners.add("cash")
            assert (payment.status, payment.extra, payment.needs_attention) == ("succeeded", True, True)
            assert repair.needs_attention
        else:  # M-Pesa first: the counter is told it is paid
            winners.add("mpesa")
            assert error_codes(cash) == ["already_paid"]
            assert (payment.status, payment.extra) == ("succeeded", False)
            assert not Payment.objects.filter(repair_id=repair.pk, gateway="cash").exists()
    assert winners  # which one wins each round is the scheduler's choice; both are right


def test_two_stk_pushes_for_one_repair_paid_at_once_count_one_and_keep_the_other_apart():
    for round_ in range(5):
        repair = make_repair(user=UserFactory(), status=RepairStatus.READY_FOR_PICKUP, approved_total="1000.00")
        first, second = (
            mpesa_payment_send(payment=mpesa_payment_create(repair=repair, phone="0712345678")) for _ in range(2)
        )
        bodies = [
            stk_callback(payment.checkout_request_id, amount=1000, receipt=f"QKTWO{round_}{index}")
            for index, payment in enumerate((first, second))
        ]

        responses = run_at_once([
            lambda body=body: APIClient().post(f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}", body, format="json")
            for body in bodies
        ])  # fmt: skip

        assert [getattr(r, "status_code", repr(r)) for r in responses] == [200, 200]
        repair = RepairRequest.objects.get(pk=repair.pk)
        assert (repair.amount_paid, repair.payment_status, repair.needs_attention) == (1000, "paid", True)
        payments = Payment.objects.filter(repair_id=repair.pk, status="succeeded")
        assert sorted(payments.values_list("extra", flat=True)) == [False, True]
        assert payments.get(extra=True).needs_attention

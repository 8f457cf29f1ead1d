"""Reading orders: ownership, filters, search and constant query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from core.testing import authenticated_client, error_attrs
from orders.services.lifecycle import order_mark_paid

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders"


def test_customers_see_only_their_own_orders(place, phone, customer_api):
    mine = place((phone, 1))
    theirs = place((phone, 1), user=UserFactory())

    body = customer_api.get(URL).json()

    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert customer_api.get(f"{URL}/{theirs.pk}").status_code == 404
    assert customer_api.get(f"{URL}/{theirs.pk}/track").status_code == 404
    assert customer_api.post(f"{URL}/{theirs.pk}/cancel", {}, format="json").status_code == 404


def test_staff_see_every_order(place, phone, staff_api):
    place((phone, 1))
    place((phone, 1), user=UserFactory())

    assert staff_api.get(URL).json()["count"] == 2


def test_anonymous_callers_see_nothing(api, place, phone):
    order = place((phone, 1))

    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}/{order.pk}").status_code == 401


@pytest.mark.parametrize("key", ["abc", "99999999999999999999", "-1", "1.5"])
def test_odd_ids_are_404_not_500(customer_api, key):
    assert customer_api.get(f"{URL}/{key}").status_code == 404


def test_orders_filter_by_status_payment_status_and_method(place, phone, charger, staff_api):
    paid = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))
    cash = place((charger, 1), payment_method="cod")

    def ids(query):
        return [row["id"] for row in staff_api.get(f"{URL}?{query}").json()["results"]]

    assert ids("status=paid") == [paid.pk]
    assert ids("payment_status=unpaid") == [cash.pk]
    assert ids("payment_method=cod") == [cash.pk]
    assert ids("status=pending&payment_method=mpesa") == []


def test_dates_are_store_days_inclusive(place, phone, staff_api):
    # 23:30 in Nairobi on 1 March is 20:30 UTC: the order belongs to the store's 1 March.
    with time_machine.travel("2026-03-01 20:30:00+00:00", tick=False):
        late = place((phone, 1), payment_method="cod")
    with time_machine.travel("2026-03-01 21:30:00+00:00", tick=False):  # 00:30 on 2 March in Nairobi
        next_day = place((phone, 1), payment_method="cod")

    def ids(query):
        return [row["id"] for row in staff_api.get(f"{URL}?{query}").json()["results"]]

    assert ids("date_from=2026-03-01&date_to=2026-03-01") == [late.pk]
    assert ids("date_from=2026-03-02") == [next_day.pk]


def test_staff_search_by_number_email_or_phone(place, phone, staff_api):
    shopper = UserFactory(email="otieno@example.com", phone="254711000111")
    order = place((phone, 1), user=shopper)
    place((phone, 1))

    for text in (order.number, order.number.lower()[3:8], "otieno@", "711000111"):
        assert [row["id"] for row in staff_api.get(URL, {"search": text}).json()["results"]] == [order.pk], text


@pytest.mark.parametrize("query", ["status=lost", "payment_status=maybe", "date_from=yesterday"])
def test_bad_filters_are_400(staff_api, query):
    response = staff_api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert error_attrs(response) == [query.split("=")[0]]


def test_newest_orders_come_first(place, phone, customer_api):
    first = place((phone, 1), payment_method="cod")
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        second = place((phone, 1), payment_method="cod")

    assert [row["id"] for row in customer_api.get(URL).json()["results"]] == [second.pk, first.pk]


def _orders(count: int, lines: int, user):
    from orders.services.placement import ItemRequest, order_place

    variants = [VariantFactory(stock_quantity=1000, reorder_point=0) for _ in range(lines)]
    address = {"full_name": "A", "phone": "254700000001", "line1": "x", "city": "Nairobi", "county": "Nairobi",
               "country": "KE"}  # fmt: skip
    for _ in range(count):
        order = order_place(user=user, payment_method="mpesa", shipping_address=address,
                            items=[ItemRequest(v.pk, 1) for v in variants])  # fmt: skip
        order_mark_paid(order=order, amount=order.total)


def test_the_order_list_costs_the_same_queries_for_1_or_20_orders_of_many_lines(
    customer, customer_api, django_assert_max_num_queries
):
    _orders(1, 1, customer)
    with django_assert_max_num_queries(6) as small:
        customer_api.get(URL)
    _orders(19, 5, customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(customer_api.get(URL).json()["results"]) == 20


def test_one_order_costs_the_same_queries_for_1_or_12_lines(customer, customer_api, django_assert_max_num_queries):
    _orders(1, 1, customer)
    _orders(1, 12, customer)
    small_id, big_id = sorted(row["id"] for row in customer_api.get(URL).json()["results"])

    with django_assert_max_num_queries(6) as small:
        customer_api.get(f"{URL}/{small_id}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(customer_api.get(f"{URL}/{big_id}").json()["lines"]) == 12


def test_staff_see_orders_that_need_attention(place, phone, staff_api):
    order = place((phone, 1))
    order.needs_attention = True
    order.save()
    place((phone, 1))

    rows = staff_api.get(f"{URL}?needs_attention=true").json()["results"]

    assert [row["id"] for row in rows] == [order.pk]
    assert rows[0]["needs_attention"] is True


def test_another_customer_cannot_learn_an_order_exists_through_actions(place, phone):
    order = place((phone, 1))
    stranger = authenticated_client(UserFactory())

    assert stranger.post(f"{URL}/{order.pk}/cancel", {}, format="json").status_code == 404
    assert stranger.get(f"{URL}/{order.pk}/track").status_code == 404

import pytest

from catalog.inventory import StockLine, stock_adjust, stock_reserve
from catalog.tests.factories import VariantFactory
from core.models import Event, EventType
from core.testing import error_attrs

pytestmark = pytest.mark.django_db


def test_registering_records_a_user_registered_event(api):
    response = api.post(
        "/api/v1/auth/register",
        {"email": "Akinyi@Example.com", "password": "Long-enough-42", "first_name": "Akinyi", "last_name": "O"},
        format="json",
    )

    event = Event.objects.get(type=EventType.USER_REGISTERED)
    assert event.payload == {"user_id": response.json()["id"], "email": "akinyi@example.com"}


def test_a_refused_registration_records_nothing(api, customer):
    api.post("/api/v1/auth/register", {"email": customer.email, "password": "Long-enough-42", "first_name": "A",
                                       "last_name": "B"}, format="json")  # fmt: skip

    assert not Event.objects.filter(type=EventType.USER_REGISTERED).exists()


def test_falling_to_the_reorder_point_records_one_stock_low_event_per_crossing():
    variant = VariantFactory(stock_quantity=5, reorder_point=2)

    stock_reserve(lines=[StockLine(variant.pk, 3)])  # 2 left: low
    stock_reserve(lines=[StockLine(variant.pk, 1)])  # still low: no second event
    stock_adjust(variant_id=variant.pk, delta=10, reason="restock")  # recovered
    stock_reserve(lines=[StockLine(variant.pk, 10)])  # low again

    events = list(Event.objects.filter(type=EventType.STOCK_LOW).order_by("id"))
    assert len(events) == 2
    assert events[0].payload == {
        "variant_id": variant.pk, "sku": variant.sku, "product_id": variant.product_id, "available": 2,
        "reorder_point": 2,
    }  # fmt: skip
    assert events[1].payload["available"] == 1


def test_admins_list_events_newest_first_and_filter_by_type(admin_api):
    VariantFactory(stock_quantity=1, reorder_point=2)  # not low until stock moves
    variant = VariantFactory(stock_quantity=3, reorder_point=2)
    stock_reserve(lines=[StockLine(variant.pk, 2)])
    admin_api.post("/api/v1/auth/register", {"email": "new@example.com", "password": "Long-enough-42",
                                             "first_name": "N", "last_name": "U"}, format="json")  # fmt: skip

    everything = admin_api.get("/api/v1/events").json()
    low_only = admin_api.get("/api/v1/events?type=stock.low").json()

    assert [row["type"] for row in everything["results"]] == ["user.registered", "stock.low"]
    assert set(everything["results"][0]) == {"id", "type", "payload", "actor", "occurred_at"}
    assert low_only["count"] == 1


def test_events_are_for_admins_only(api, customer_api, staff_api):
    assert api.get("/api/v1/events").status_code == 401
    assert customer_api.get("/api/v1/events").status_code == 403
    assert staff_api.get("/api/v1/events").status_code == 403


def test_event_filters_refuse_bad_values(admin_api):
    assert error_attrs(admin_api.get("/api/v1/events?type=bogus")) == ["type"]
    assert error_attrs(admin_api.get("/api/v1/events?date_from=yesterday")) == ["date_from"]

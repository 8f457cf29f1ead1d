"""POST /orders: checkout from the cart or from items, with stock, money and replays right."""

from decimal import Decimal

import pytest

from accounts.tests.factories import AddressFactory, UserFactory
from cart.models import Cart, CartItem
from catalog.models import Coupon, MovementReason, ProductVariant, Promotion, StockMovement
from core.models import Event, EventType, IdempotencyKey, ShippingZone, StoreSettings
from core.testing import error_attrs, error_codes
from orders.models import Order, OrderStatus
from orders.tests.conftest import checkout_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders"


def place(client, body, **headers):
    return client.post(URL, body, format="json", **headers)


def test_checkout_from_items_creates_a_pending_order_with_stock_reserved(customer_api, address, phone, charger):
    response = place(customer_api, checkout_body(address.pk, (phone, 2), (charger, 1)))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["payment_status"] == "unpaid"
    assert body["payment_method"] == "mpesa"
    assert body["number"].startswith("DK-") and len(body["number"]) == 12
    assert [(line["sku"], line["quantity"], line["unit_price"], line["line_total"]) for line in body["lines"]] == [
        ("TEC-SPARK20", 2, "1160.00", "2320.00"),
        ("ORA-25W", 1, "500.00", "500.00"),
    ]
    assert body["subtotal"] == "2820.00"
    assert body["shipping_fee"] == "300.00"
    assert body["total"] == "3120.00"
    assert body["tax_total"] == "430.34"  # 3120 * 16 / 116, prices include VAT
    assert body["currency"] == "KES"
    assert body["shipping_address"]["county"] == "Nairobi"
    assert body["reserved_until"] is not None
    assert [(step["status"], step["actor"]) for step in body["history"]] == [("pending", "customer")]
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (5, 2)
    movement = StockMovement.objects.get(variant=phone)
    assert (movement.reason, movement.reserved_delta, movement.order_id) == (MovementReason.RESERVATION, 2, body["id"])


def test_the_body_has_every_field_of_the_contract(customer_api, address, phone):
    body = place(customer_api, checkout_body(address.pk, (phone, 1))).json()

    assert set(body) >= {
        "id", "number", "status", "payment_status", "payment_method", "lines", "subtotal", "discount_total",
        "shipping_fee", "tax_total", "total", "currency", "coupon_code", "shipping_address", "customer_note",
        "tracking_number", "carrier", "reserved_until", "payments", "history", "created_at", "updated_at",
    }  # fmt: skip
    assert set(body["lines"][0]) == {"id", "product_id", "variant_id", "product_name", "variant_name", "sku",
                                     "unit_price", "quantity", "line_total"}  # fmt: skip


def test_checkout_from_the_cart_uses_its_lines_and_coupon_then_empties_it(customer_api, customer, address, phone):
    coupon = Coupon.objects.create(code="KARIBU10", kind="percentage", value=Decimal("10"))
    cart = Cart.objects.create(user=customer, coupon=coupon)
    CartItem.objects.create(cart=cart, variant=phone, quantity=3, price_when_added=phone.price)

    response = place(customer_api, checkout_body(address.pk, customer_note="Call at the gate"))

    assert response.status_code == 201
    body = response.json()
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("TEC-SPARK20", 3)]
    assert body["coupon_code"] == "KARIBU10"
    assert body["discount_total"] == "348.00"
    assert body["customer_note"] == "Call at the gate"
    cart.refresh_from_db()
    assert not cart.items.exists() and cart.coupon is None
    coupon.refresh_from_db()
    assert coupon.times_used == 1


def test_an_empty_cart_cannot_be_checked_out(customer_api, address):
    response = place(customer_api, checkout_body(address.pk))

    assert response.status_code == 400
    assert error_codes(response) == ["cart_empty"]


def test_the_cart_and_checkout_agree_on_every_amount(customer_api, address, phone, charger):
    ShippingZone.objects.create(name="Metro", counties=["Nairobi"], fee=Decimal("150.00"))
    promotion = Promotion.objects.create(name="Deal", kind="fixed", value=Decimal("60"))
    promotion.products.add(charger.product)
    Coupon.objects.create(code="SAVE200", kind="fixed", value=Decimal("200"))
    customer_api.post("/api/v1/cart/items", {"variant_id": phone.pk, "quantity": 2}, format="json")
    customer_api.post("/api/v1/cart/items", {"variant_id": charger.pk, "quantity": 3}, format="json")
    cart = customer_api.post("/api/v1/cart/coupon", {"code": "save200"}, format="json").json()

    order = place(customer_api, checkout_body(address.pk)).json()

    for field in ("subtotal", "discount_total", "shipping_fee", "tax_total", "total", "currency"):
        assert order[field] == cart[field], field
    assert order["shipping_fee"] == "150.00"
    assert order["lines"][1]["unit_price"] == "440.00"


def test_a_short_line_refuses_the_order_naming_every_short_line_and_reserves_nothing(
    customer_api, address, phone, charger
):
    ProductVariant.objects.filter(pk=charger.pk).update(stock_quantity=3)

    response = place(customer_api, checkout_body(address.pk, (phone, 6), (charger, 4)))

    assert response.status_code == 409
    assert error_codes(response) == ["out_of_stock", "out_of_stock"]
    details = " ".join(error["detail"] for error in response.json()["errors"])
    assert "TEC-SPARK20: 6 requested, 5 available" in details
    assert "ORA-25W: 4 requested, 3 available" in details
    assert not Order.objects.exists()
    assert not StockMovement.objects.exists()
    assert ProductVariant.objects.filter(reserved_quantity__gt=0).count() == 0


def test_a_failed_checkout_leaves_the_cart_as_it_was(customer_api, customer, address, phone):
    cart = Cart.objects.create(user=customer)
    CartItem.objects.create(cart=cart, variant=phone, quantity=5, price_when_added=phone.price)
    ProductVariant.objects.filter(pk=phone.pk).update(stock_quantity=4)

    assert place(customer_api, checkout_body(address.pk)).status_code == 409
    assert cart.items.get().quantity == 5


def test_an_inactive_variant_is_out_of_stock(customer_api, address, phone):
    ProductVariant.objects.filter(pk=phone.pk).update(is_active=False)

    response = place(customer_api, checkout_body(address.pk, (phone, 1)))

    assert response.status_code == 409
    assert error_codes(response) == ["out_of_stock"]


def test_more_than_the_per_line_limit_is_refused(customer_api, address, charger):
    StoreSettings.objects.filter(pk=1).update(max_quantity_per_line=3)

    response = place(customer_api, checkout_body(address.pk, (charger, 2), (charger, 2)))

    assert response.status_code == 400
    assert error_codes(response) == ["quantity_limit"]
    assert not Order.objects.exists()


def test_cash_on_delivery_holds_its_stock_without_a_deadline(customer_api, address, phone):
    body = place(customer_api, checkout_body(address.pk, (phone, 1), payment_method="cod")).json()

    assert body["reserved_until"] is None
    assert body["payment_method"] == "cod"


def test_a_payment_method_the_store_turned_off_is_refused(customer_api, address, phone):
    StoreSettings.objects.filter(pk=1).update(payment_methods=["mpesa"])

    response = place(customer_api, checkout_body(address.pk, (phone, 1), payment_method="cod"))

    assert response.status_code == 409
    assert error_codes(response) == ["payment_method_unavailable"]


def test_mpesa_refuses_an_order_above_what_one_payment_can_carry(customer_api, address):
    from catalog.tests.factories import VariantFactory

    laptop = VariantFactory(price=Decimal("130000.00"), stock_quantity=5)

    mpesa = place(customer_api, checkout_body(address.pk, (laptop, 2)))
    card = place(customer_api, checkout_body(address.pk, (laptop, 2), payment_method="card"))

    assert mpesa.status_code == 409
    assert error_codes(mpesa) == ["payment_method_unavailable"]
    assert card.status_code == 201


def test_a_typed_address_is_validated_and_copied(customer_api, phone):
    address = {"full_name": "Akinyi", "phone": "0712345678", "line1": "Oginga Odinga St", "city": "Kisumu",
               "county": "kisumu county"}  # fmt: skip

    body = place(customer_api, {"shipping_address": address, "payment_method": "cod",
                                "items": [{"variant_id": phone.pk, "quantity": 1}]}).json()  # fmt: skip

    assert body["shipping_address"]["county"] == "Kisumu"
    assert body["shipping_address"]["phone"] == "254712345678"
    assert body["shipping_address"]["country"] == "KE"


def test_the_address_snapshot_does_not_follow_later_edits(customer_api, address, phone):
    order = place(customer_api, checkout_body(address.pk, (phone, 1))).json()
    address.line1 = "Somewhere else"
    address.save()

    assert customer_api.get(f"{URL}/{order['id']}").json()["shipping_address"]["line1"] != "Somewhere else"


def test_another_customers_address_is_refused(customer_api, phone):
    theirs = AddressFactory(user=UserFactory())

    response = place(customer_api, checkout_body(theirs.pk, (phone, 1)))

    assert response.status_code == 400
    assert error_attrs(response) == ["address_id"]


def test_line_prices_are_a_snapshot(customer_api, address, phone):
    order = place(customer_api, checkout_body(address.pk, (phone, 1))).json()
    ProductVariant.objects.filter(pk=phone.pk).update(price=Decimal("9999.00"))

    again = customer_api.get(f"{URL}/{order['id']}").json()

    assert again["lines"][0]["unit_price"] == "1160.00"
    assert again["total"] == order["total"]


def test_a_coupon_is_checked_at_checkout(customer_api, address, phone):
    Coupon.objects.create(code="BIG", kind="fixed", value=Decimal("100"), min_subtotal=Decimal("5000"))

    response = place(customer_api, checkout_body(address.pk, (phone, 1), coupon_code="big"))

    assert response.status_code == 400
    assert error_codes(response) == ["coupon_invalid"]
    assert not Order.objects.exists()


def test_a_coupon_with_one_use_per_customer_works_once(customer_api, address, phone):
    Coupon.objects.create(code="ONCE", kind="fixed", value=Decimal("100"), max_uses_per_customer=1)

    first = place(customer_api, checkout_body(address.pk, (phone, 1), coupon_code="ONCE"))
    second = place(customer_api, checkout_body(address.pk, (phone, 1), coupon_code="ONCE"))

    assert first.status_code == 201
    assert second.status_code == 400
    assert error_codes(second) == ["coupon_invalid"]


def test_placing_an_order_emails_the_customer_and_records_an_event(
    customer_api, address, phone, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = place(customer_api, checkout_body(address.pk, (phone, 2))).json()

    assert len(mailoutbox) == 1
    assert body["number"] in mailoutbox[0].subject
    assert "2 x Tecno Spark 20 (128 GB)" in mailoutbox[0].body
    assert "Total: KES 2620.00" in mailoutbox[0].body
    event = Event.objects.get(type=EventType.ORDER_CREATED)
    assert event.payload["number"] == body["number"]


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_a_replay_with_the_same_key_returns_the_first_order_and_creates_nothing(customer_api, address, phone):
    body = checkout_body(address.pk, (phone, 1))

    first = place(customer_api, body, HTTP_IDEMPOTENCY_KEY="checkout-42")
    second = place(customer_api, body, HTTP_IDEMPOTENCY_KEY="checkout-42")

    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    phone.refresh_from_db()
    assert phone.reserved_quantity == 1


def test_the_same_key_with_another_body_is_a_conflict(customer_api, address, phone):
    place(customer_api, checkout_body(address.pk, (phone, 1)), HTTP_IDEMPOTENCY_KEY="k1")

    response = place(customer_api, checkout_body(address.pk, (phone, 2)), HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 409
    assert error_codes(response) == ["idempotency_key_reused"]
    assert Order.objects.count() == 1


def test_keys_belong_to_their_caller(customer_api, address, phone):
    other = UserFactory()
    from core.testing import authenticated_client

    body = {"shipping_address": {"full_name": "B", "phone": "0712345678", "line1": "x", "city": "Nairobi",
                                 "county": "Nairobi"}, "payment_method": "cod",
            "items": [{"variant_id": phone.pk, "quantity": 1}]}  # fmt: skip
    mine = place(customer_api, body, HTTP_IDEMPOTENCY_KEY="same")
    theirs = place(authenticated_client(other), body, HTTP_IDEMPOTENCY_KEY="same")

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


def test_a_failed_request_leaves_its_key_free_for_the_retry(customer_api, address, phone):
    body = checkout_body(address.pk, (phone, 1))
    ProductVariant.objects.filter(pk=phone.pk).update(stock_quantity=0)
    assert place(customer_api, body, HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 409
    assert not IdempotencyKey.objects.exists()

    ProductVariant.objects.filter(pk=phone.pk).update(stock_quantity=3)
    assert place(customer_api, body, HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "clé"])
def test_a_malformed_key_is_refused(customer_api, address, phone, key):
    response = place(customer_api, checkout_body(address.pk, (phone, 1)), HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert not Order.objects.exists()


# --- Bad input ----------------------------------------------------------------------------------


def test_anonymous_callers_cannot_check_out(api, phone):
    assert place(api, {"payment_method": "cod"}).status_code == 401


def test_malformed_json_is_a_400(customer_api):
    response = customer_api.generic("POST", URL, '{"payment_method": ', content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"payment_method": None}, "payment_method"),
        ({"address_id": "one"}, "address_id"),
        ({"address_id": 10**30}, "address_id"),
        ({"address_id": 999_999}, "address_id"),
        ({"items": []}, "items"),
        ({"items": "phone"}, "items"),
        ({"items": [{"variant_id": 1}]}, "items.0.quantity"),
        ({"items": [{"variant_id": "x", "quantity": 1}]}, "items.0.variant_id"),
        ({"items": [{"variant_id": 10**20, "quantity": 1}]}, "items.0.variant_id"),
        ({"items": [{"variant_id": 1, "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"variant_id": 1, "quantity": 1.5}]}, "items.0.quantity"),
        ({"items": [{"variant_id": 1, "quantity": True}]}, "items.0.quantity"),
        ({"items": [{"variant_id": 1, "quantity": 10**12}]}, "items.0.quantity"),
        ({"phone": "12"}, "phone"),
        ({"customer_note": "x" * 1001}, "customer_note"),
        ({"coupon_code": ["A"]}, "coupon_code"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(customer_api, address, phone, change, attr):
    body = {**checkout_body(address.pk, (phone, 1)), **change}

    response = place(customer_api, body)

    assert response.status_code == 400, response.json()
    assert any(name == attr or name.startswith(f"{attr}.") for name in error_attrs(response)), error_attrs(response)
    assert not Order.objects.exists()
    phone.refresh_from_db()
    assert phone.reserved_quantity == 0


def test_an_unknown_variant_is_a_400(customer_api, address):
    response = place(customer_api, checkout_body(address.pk) | {"items": [{"variant_id": 987654, "quantity": 1}]})

    assert response.status_code == 400
    assert error_codes(response) == ["does_not_exist"]


def test_both_or_neither_address_forms_are_refused(customer_api, address, phone):
    items = [{"variant_id": phone.pk, "quantity": 1}]
    typed = {"full_name": "A", "phone": "0712345678", "line1": "x", "city": "Nairobi", "county": "Nairobi"}

    neither = place(customer_api, {"payment_method": "cod", "items": items})
    both = place(customer_api, {"payment_method": "cod", "items": items, "address_id": address.pk,
                                "shipping_address": typed})  # fmt: skip

    assert neither.status_code == both.status_code == 400
    assert not Order.objects.exists()


def test_a_new_order_is_pending_in_the_database_too(customer_api, address, phone):
    body = place(customer_api, checkout_body(address.pk, (phone, 1))).json()

    order = Order.objects.get(pk=body["id"])
    assert order.status == OrderStatus.PENDING
    assert order.email == "wanjiku@example.com"
    assert order.shipping_county == "Nairobi"


def test_the_order_keeps_the_tax_rule_it_was_priced_with(customer_api, address, phone):
    order_id = place(customer_api, checkout_body(address.pk, (phone, 1))).json()["id"]
    StoreSettings.objects.filter(pk=1).update(tax_rate=Decimal("8.00"), prices_include_tax=False)

    order = Order.objects.get(pk=order_id)
    assert (order.tax_rate, order.prices_include_tax) == (Decimal("16.00"), True)

"""
Checkout and `store/settings` offer only the payment methods that can really be taken: M-Pesa
once Daraja is configured, card once Stripe is (either through the simulator while
`PAYMENTS_SIMULATION` is on), cash unless staff turn it off.
"""

from decimal import Decimal

import pytest

from cart.models import Cart, CartItem
from catalog.models import Coupon, CouponRedemption, StockMovement
from core.models import IdempotencyKey, StoreSettings
from core.store import store_config_forget
from core.testing import error_attrs, error_codes
from orders.models import Order
from orders.tests.conftest import checkout_body
from payments.models import GatewayKind, Payment
from payments.tests.conftest import STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/store/settings"
ORDERS = "/api/v1/orders"
CARD_INTENT = "/api/v1/payments/card/intent"


@pytest.fixture
def no_gateways(settings):
    """A server with neither Daraja nor Stripe keys and the simulator off: only cash can be taken."""
    settings.PAYMENTS_SIMULATION = False
    settings.MPESA_CONSUMER_KEY = settings.MPESA_CONSUMER_SECRET = settings.MPESA_SHORTCODE = ""
    settings.MPESA_PASSKEY = settings.MPESA_CALLBACK_BASE_URL = ""
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    return settings


def with_daraja(settings) -> None:
    settings.MPESA_CONSUMER_KEY, settings.MPESA_CONSUMER_SECRET = "consumer-key", "consumer-secret"
    settings.MPESA_SHORTCODE, settings.MPESA_PASSKEY = "174379", "passkey"
    settings.MPESA_CALLBACK_BASE_URL = "https://shop.example.com"


def with_stripe(settings) -> None:
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET


def offered(api) -> list[str]:
    response = api.get(SETTINGS)
    assert response.status_code == 200
    return response.json()["payment_methods"]


# --- What store/settings offers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("daraja", "stripe", "simulation", "expected"),
    [
        (False, False, False, ["cod"]),
        (True, False, False, ["mpesa", "cod"]),
        (False, True, False, ["card", "cod"]),
        (True, True, False, ["mpesa", "card", "cod"]),
        (False, False, True, ["mpesa", "card", "cod"]),
    ],
)
def test_store_settings_offer_the_methods_this_server_can_take(api, no_gateways, daraja, stripe, simulation, expected):
    if daraja:
        with_daraja(no_gateways)
    if stripe:
        with_stripe(no_gateways)
    no_gateways.PAYMENTS_SIMULATION = simulation

    assert offered(api) == expected


def test_half_set_up_daraja_does_not_offer_mpesa(api, no_gateways):
    with_daraja(no_gateways)
    no_gateways.MPESA_PASSKEY = ""

    assert offered(api) == ["cod"]


def test_a_gateway_configured_later_is_offered_at_once_though_the_settings_are_cached(api, no_gateways):
    assert offered(api) == ["cod"]  # the settings row is in the cache now

    with_stripe(no_gateways)

    assert offered(api) == ["card", "cod"]


def test_the_offer_is_what_staff_enabled_and_the_server_can_take(api, staff_api, no_gateways):
    with_daraja(no_gateways)
    with_stripe(no_gateways)
    StoreSettings.objects.update_or_create(pk=1, defaults={"payment_methods": ["mpesa", "cod"]})

    assert offered(api) == ["mpesa", "cod"]  # Stripe is configured, but staff did not enable card

    no_gateways.MPESA_CONSUMER_KEY = ""
    assert offered(api) == ["cod"]  # enabled, but no longer takeable
    assert StoreSettings.objects.get().payment_methods == ["mpesa", "cod"]  # and comes back with its keys


def test_staff_turn_cash_on_delivery_off(api, staff_api):
    response = staff_api.patch(SETTINGS, {"payment_methods": ["mpesa", "card"]}, format="json")

    assert response.status_code == 200
    assert response.json()["payment_methods"] == ["mpesa", "card"]
    assert offered(api) == ["mpesa", "card"]


def test_staff_cannot_enable_a_method_the_server_cannot_take(staff_api, no_gateways):
    StoreSettings.objects.update_or_create(pk=1, defaults={"payment_methods": ["cod"]})

    response = staff_api.patch(SETTINGS, {"payment_methods": ["card", "cod"], "name": "Duka Mombasa"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["unavailable"]
    assert error_attrs(response) == ["payment_methods"]
    assert "This server cannot take Card payments" in response.json()["errors"][0]["detail"]
    record = StoreSettings.objects.get()
    assert (record.name, record.payment_methods) == ("Duka", ["cod"])


def test_a_method_enabled_before_its_keys_went_stays_enabled_when_staff_save(staff_api, no_gateways):
    StoreSettings.objects.update_or_create(pk=1, defaults={"payment_methods": ["card", "cod"]})

    response = staff_api.patch(SETTINGS, {"payment_methods": ["card", "cod"], "name": "Duka Mombasa"}, format="json")

    assert response.status_code == 200
    assert response.json()["payment_methods"] == ["cod"]  # what checkout offers now
    assert StoreSettings.objects.get().payment_methods == ["card", "cod"]  # offered again once Stripe is set up


# --- Checkout refuses the others, before anything is written -----------------------------------------


@pytest.fixture
def cart_with_coupon(customer, phone):
    """The customer's cart: one phone, with a coupon attached."""
    coupon = Coupon.objects.create(code="KARIBU10", kind="percentage", value=Decimal("10"))
    cart = Cart.objects.create(user=customer, coupon=coupon)
    CartItem.objects.create(cart=cart, variant=phone, quantity=1, price_when_added=phone.price)
    return cart


@pytest.mark.parametrize(
    ("method", "label", "setup"),
    [
        ("mpesa", "M-Pesa", lambda settings: None),
        ("card", "Card", lambda settings: None),
        (
            "cod",
            "Cash on delivery",
            lambda settings: StoreSettings.objects.filter(pk=1).update(payment_methods=["mpesa"]),
        ),
    ],
)
def test_checkout_with_a_method_that_cannot_be_taken_is_refused_and_changes_nothing(
    customer_api, address, phone, cart_with_coupon, no_gateways, method, label, setup
):
    with_daraja(no_gateways)  # M-Pesa stays takeable, so the refusal names something that is on offer
    no_gateways.MPESA_CONSUMER_KEY = "" if method == "mpesa" else "consumer-key"
    StoreSettings.objects.get_or_create(pk=1)
    setup(no_gateways)
    body = checkout_body(address.pk, payment_method=method)

    response = customer_api.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")

    assert response.status_code == 409
    assert error_codes(response) == ["payment_method_unavailable"]
    assert error_attrs(response) == ["payment_method"]
    assert f"does not take {label} payments" in response.json()["errors"][0]["detail"]
    assert not Order.objects.exists()
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (5, 0)
    assert not StockMovement.objects.exists()
    assert not CouponRedemption.objects.exists()
    cart_with_coupon.refresh_from_db()
    assert cart_with_coupon.coupon is not None
    assert [(item.variant_id, item.quantity) for item in cart_with_coupon.items.all()] == [(phone.pk, 1)]
    assert not IdempotencyKey.objects.exists()

    # Once the method can be taken, the same key places the order.
    no_gateways.PAYMENTS_SIMULATION = True
    StoreSettings.objects.filter(pk=1).update(payment_methods=["mpesa", "card", "cod"])
    store_config_forget()
    retry = customer_api.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    assert retry.status_code == 201, retry.content
    assert retry.json()["payment_method"] == method


def test_checkout_takes_mpesa_through_daraja_once_it_is_configured(customer_api, address, phone, no_gateways):
    with_daraja(no_gateways)

    response = customer_api.post(ORDERS, checkout_body(address.pk, (phone, 1), payment_method="mpesa"), format="json")

    assert response.status_code == 201
    assert response.json()["payment_method"] == "mpesa"


# --- Starting a payment agrees with what is offered ---------------------------------------------------


def test_a_card_payment_starts_exactly_when_card_is_offered(api, customer_api, place, phone, settings):
    order = place((phone, 1), payment_method="card")  # while the simulator takes cards
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""

    assert "card" in offered(api)
    started = customer_api.post(CARD_INTENT, {"order_id": order.pk}, format="json")
    assert started.status_code == 200, started.content
    assert Payment.objects.get(pk=started.json()["payment_id"]).gateway == GatewayKind.SIMULATED

    settings.PAYMENTS_SIMULATION = False
    assert "card" not in offered(api)
    refused = customer_api.post(CARD_INTENT, {"order_id": order.pk}, format="json")
    assert refused.status_code == 409
    assert error_codes(refused) == ["payment_method_unavailable"]


# --- The admin --------------------------------------------------------------------------------------

ADMIN_PAGE = "/admin/core/storesettings/1/change/"


def admin_form(**changes) -> dict:
    form = {
        "name": "Duka", "currency": "KES", "contact_email": "", "contact_phone": "", "address": "",
        "tax_rate": "16.00", "prices_include_tax": "on", "shipping_flat_fee": "300.00",
        "free_shipping_threshold": "10000.00", "payment_methods": ["mpesa", "card", "cod"],
        "max_quantity_per_line": "10", "reservation_minutes": "15", "repair_warranty_days": "90",
    }  # fmt: skip
    return {**form, **changes}


def test_the_admin_ticks_methods_and_shows_what_checkout_offers_now(client, staff_user, no_gateways):
    StoreSettings.objects.get_or_create(pk=1)
    client.force_login(staff_user)

    page = client.get(ADMIN_PAGE).content.decode()
    assert 'type="checkbox" name="payment_methods" value="card"' in page
    assert "Offered at checkout now" in page
    assert '<div class="readonly">Cash on delivery</div>' in page

    kept = client.post(ADMIN_PAGE, admin_form(name="Duka Mombasa"))
    assert kept.status_code == 302  # enabled before, so kept though not takeable now
    assert StoreSettings.objects.get().payment_methods == ["mpesa", "card", "cod"]

    assert client.post(ADMIN_PAGE, admin_form(payment_methods=["cod"])).status_code == 302
    assert StoreSettings.objects.get().payment_methods == ["cod"]

    refused = client.post(ADMIN_PAGE, admin_form(payment_methods=["card", "cod"]))
    assert refused.status_code == 200  # the form again, with the error
    assert "This server cannot take Card payments" in refused.content.decode()
    assert StoreSettings.objects.get().payment_methods == ["cod"]

"""Cart and order arithmetic: one function for both, so they never disagree."""

from dataclasses import replace
from decimal import Decimal

import pytest

from catalog.models import Coupon, Product, ProductVariant
from catalog.pricing import (
    ActivePromotions,
    price_lines,
    product_sellable,
    product_sellable_q,
    purchase_problem,
    sellable_units,
    totals,
    variant_sellable,
    variant_sellable_q,
)
from catalog.tests.factories import VariantFactory
from core.store import StoreConfig, ZoneFee

pytestmark = pytest.mark.django_db

KENYA = StoreConfig(
    name="Duka", currency="KES", contact_email="", contact_phone="", address="", tax_rate=Decimal("16.00"),
    prices_include_tax=True, shipping_flat_fee=Decimal("300.00"), free_shipping_threshold=Decimal("10000.00"),
    payment_methods=("mpesa", "card", "cod"), max_quantity_per_line=10, reservation_minutes=15,
    repair_warranty_days=90,
    zones=(ZoneFee(name="Coast", counties=frozenset({"mombasa"}), fee=Decimal("450.00")),),
)  # fmt: skip


def lines_of(*price_and_quantity):
    items = [(VariantFactory(price=Decimal(price)), quantity) for price, quantity in price_and_quantity]
    return price_lines(items, promotions=ActivePromotions())


def test_inclusive_prices_extract_the_tax_from_goods_and_shipping():
    result = totals(lines=lines_of(("1160.00", 2)), coupon=None, county="Nairobi", store=KENYA)

    assert result.subtotal == Decimal("2320.00")
    assert result.shipping_fee == Decimal("300.00")
    assert result.total == Decimal("2620.00")
    assert result.tax_total == Decimal("361.38")  # 2620 * 16 / 116
    assert result.currency == "KES"


def test_exclusive_prices_add_the_tax_on_top():
    store = replace(KENYA, prices_include_tax=False)

    result = totals(lines=lines_of(("1000.00", 1)), coupon=None, county=None, store=store)

    assert result.tax_total == Decimal("208.00")  # 16% of 1000 + 300
    assert result.total == Decimal("1508.00")


def test_the_zone_of_the_county_sets_the_fee():
    assert totals(lines=lines_of(("500", 1)), coupon=None, county="Mombasa", store=KENYA).shipping_fee == Decimal(
        "450.00"
    )


def test_goods_worth_the_threshold_after_discount_ship_free():
    coupon = Coupon(code="X", kind="fixed", value=Decimal("100"))

    over = totals(lines=lines_of(("10100", 1)), coupon=coupon, county="Nairobi", store=KENYA)
    under = totals(lines=lines_of(("10050", 1)), coupon=coupon, county="Nairobi", store=KENYA)

    assert over.shipping_fee == Decimal("0.00")
    assert over.discount_total == Decimal("100.00")
    assert over.total == Decimal("10000.00")
    assert under.shipping_fee == Decimal("300.00")


def test_no_threshold_means_shipping_is_never_free():
    store = replace(KENYA, free_shipping_threshold=None)

    assert totals(lines=lines_of(("99999", 1)), coupon=None, county=None, store=store).shipping_fee == Decimal("300.00")


def test_an_empty_cart_costs_nothing():
    result = totals(lines=[], coupon=None, county="Nairobi", store=KENYA)

    assert (result.subtotal, result.shipping_fee, result.tax_total, result.total) == (0, 0, 0, 0)


def test_a_coupon_never_takes_more_than_the_goods():
    coupon = Coupon(code="BIG", kind="fixed", value=Decimal("5000"))

    result = totals(lines=lines_of(("1200", 1)), coupon=coupon, county=None, store=KENYA)

    assert result.discount_total == Decimal("1200.00")
    assert result.total == Decimal("300.00")


def test_percentage_coupons_round_to_the_cent():
    coupon = Coupon(code="TEN", kind="percentage", value=Decimal("12.5"))

    result = totals(lines=lines_of(("333.33", 1)), coupon=coupon, county=None, store=KENYA)

    assert result.discount_total == Decimal("41.67")


def test_promotions_set_the_unit_price_of_a_line(db):
    from catalog.models import Promotion

    variant = VariantFactory(price=Decimal("2000"))
    promotion = Promotion.objects.create(name="Deal", kind="percentage", value=Decimal("25"))
    promotion.products.add(variant.product)

    (line,) = price_lines([(variant, 3)], promotions=ActivePromotions.load())

    assert line.unit_price == Decimal("1500.00")
    assert line.regular_price == Decimal("2000.00")
    assert line.line_total == Decimal("4500.00")


def test_purchase_problem_names_what_stops_a_purchase():
    variant = VariantFactory(stock_quantity=3)

    assert purchase_problem(variant, 3, store=KENYA) is None
    assert purchase_problem(variant, 4, store=KENYA) == "out_of_stock"
    assert purchase_problem(variant, 11, store=replace(KENYA, max_quantity_per_line=10)) == "quantity_limit"
    assert purchase_problem(None, 1, store=KENYA) == "out_of_stock"
    variant.is_active = False
    assert purchase_problem(variant, 1, store=KENYA) == "out_of_stock"


@pytest.mark.parametrize(
    ("product_active", "variant_active"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_the_sellable_rule_and_its_queryset_twin_agree(product_active, variant_active):
    variant = VariantFactory(stock_quantity=4, reserved_quantity=1, is_active=variant_active)
    Product.objects.filter(pk=variant.product_id).update(is_active=product_active)
    variant = ProductVariant.objects.select_related("product").get(pk=variant.pk)
    sold = product_active and variant_active

    assert variant_sellable(variant) is sold
    assert ProductVariant.objects.filter(variant_sellable_q(), pk=variant.pk).exists() is sold
    assert product_sellable(variant.product) is product_active
    assert Product.objects.filter(product_sellable_q(), pk=variant.product_id).exists() is product_active
    assert sellable_units(variant) == (3 if sold else 0)
    assert (purchase_problem(variant, 1, store=KENYA) is None) is sold


def test_nothing_unknown_or_oversold_counts_as_sellable():
    variant = VariantFactory(stock_quantity=2, reserved_quantity=2)

    assert variant_sellable(None) is False
    assert sellable_units(None) == 0
    assert sellable_units(variant) == 0

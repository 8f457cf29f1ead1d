import pytest
from django.db import IntegrityError, transaction

from catalog.inventory import (
    InsufficientStock,
    InvalidStockChange,
    StockLine,
    stock_adjust,
    stock_commit,
    stock_release,
    stock_reserve,
    stock_restock,
)
from catalog.models import MovementReason, ProductVariant, StockMovement
from catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def refreshed(variant: ProductVariant) -> ProductVariant:
    variant.refresh_from_db()
    return variant


def test_reserving_holds_units_without_taking_them_off_the_shelf():
    variant = VariantFactory(stock_quantity=10)

    stock_reserve(lines=[StockLine(variant.pk, 3)], order_id=41)

    variant = refreshed(variant)
    assert (variant.stock_quantity, variant.reserved_quantity, variant.available) == (10, 3, 7)
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.reason, movement.delta, movement.reserved_delta, movement.order_id) == ("reservation", 0, 3, 41)


def test_a_short_line_reserves_nothing_and_names_every_short_line():
    plenty, short, empty = (
        VariantFactory(stock_quantity=10),
        VariantFactory(stock_quantity=1),
        VariantFactory(stock_quantity=0),
    )

    with pytest.raises(InsufficientStock) as caught:
        stock_reserve(lines=[StockLine(plenty.pk, 2), StockLine(short.pk, 2), StockLine(empty.pk, 1)])

    assert caught.value.default_code == "out_of_stock"
    assert {(s.sku, s.requested, s.available) for s in caught.value.shortages} == {
        (short.sku, 2, 1),
        (empty.sku, 1, 0),
    }
    assert refreshed(plenty).reserved_quantity == 0
    assert not StockMovement.objects.exists()


def test_repeated_lines_for_one_variant_are_added_up_before_checking():
    variant = VariantFactory(stock_quantity=3)

    with pytest.raises(InsufficientStock) as caught:
        stock_reserve(lines=[StockLine(variant.pk, 2), StockLine(variant.pk, 2)])

    assert caught.value.shortages[0].requested == 4


def test_inactive_and_unknown_variants_cannot_be_reserved():
    hidden = VariantFactory(stock_quantity=5, is_active=False)
    retired_product = VariantFactory(stock_quantity=5, product__is_active=False)

    with pytest.raises(InsufficientStock) as caught:
        stock_reserve(lines=[StockLine(hidden.pk, 1), StockLine(retired_product.pk, 1), StockLine(999_999, 1)])

    assert {s.variant_id for s in caught.value.shortages} == {hidden.pk, retired_product.pk, 999_999}


def test_committing_a_reservation_sells_the_units():
    variant = VariantFactory(stock_quantity=10)
    stock_reserve(lines=[StockLine(variant.pk, 4)], order_id=7)

    stock_commit(lines=[StockLine(variant.pk, 4)], order_id=7)

    variant = refreshed(variant)
    assert (variant.stock_quantity, variant.reserved_quantity) == (6, 0)
    sale = StockMovement.objects.get(reason=MovementReason.SALE)
    assert (sale.delta, sale.reserved_delta) == (-4, -4)


def test_releasing_a_reservation_puts_the_units_back_on_sale():
    variant = VariantFactory(stock_quantity=10)
    stock_reserve(lines=[StockLine(variant.pk, 4)])

    stock_release(lines=[StockLine(variant.pk, 4)])

    assert refreshed(variant).available == 10
    assert StockMovement.objects.filter(reason=MovementReason.RELEASE, reserved_delta=-4).exists()


def test_a_repairs_parts_move_with_reason_repair_and_the_repairs_id():
    variant = VariantFactory(stock_quantity=10)

    stock_reserve(lines=[StockLine(variant.pk, 3)], repair_id=12)
    stock_release(lines=[StockLine(variant.pk, 1)], repair_id=12)
    stock_commit(lines=[StockLine(variant.pk, 2)], repair_id=12)

    variant = refreshed(variant)
    assert (variant.stock_quantity, variant.reserved_quantity) == (8, 0)
    moves = StockMovement.objects.filter(variant=variant).order_by("id")
    assert [(m.reason, m.delta, m.reserved_delta, m.repair_id, m.order_id) for m in moves] == [
        ("repair", 0, 3, 12, None),
        ("repair", 0, -1, 12, None),
        ("repair", -2, -2, 12, None),
    ]


def test_a_movement_is_for_an_order_or_a_repair_never_both():
    variant = VariantFactory(stock_quantity=10)

    with pytest.raises(AssertionError):
        stock_reserve(lines=[StockLine(variant.pk, 1)], order_id=1, repair_id=2)
    with pytest.raises(AssertionError):
        stock_reserve(lines=[StockLine(variant.pk, 1)], reason=MovementReason.SALE)

    assert refreshed(variant).reserved_quantity == 0


def test_releasing_or_selling_more_than_reserved_is_refused():
    variant = VariantFactory(stock_quantity=10)
    stock_reserve(lines=[StockLine(variant.pk, 1)])

    with pytest.raises(InvalidStockChange):
        stock_release(lines=[StockLine(variant.pk, 2)])
    with pytest.raises(InvalidStockChange):
        stock_commit(lines=[StockLine(variant.pk, 2)])

    assert refreshed(variant).reserved_quantity == 1


def test_restocking_a_cancelled_sale_puts_units_back_on_hand():
    variant = VariantFactory(stock_quantity=5)
    stock_reserve(lines=[StockLine(variant.pk, 2)])
    stock_commit(lines=[StockLine(variant.pk, 2)])

    stock_restock(lines=[StockLine(variant.pk, 2)], order_id=9)

    assert refreshed(variant).stock_quantity == 5
    assert StockMovement.objects.filter(reason=MovementReason.CANCELLATION, delta=2, order_id=9).exists()


def test_adjustment_records_who_why_and_how_much():
    variant = VariantFactory(stock_quantity=5)

    movement = stock_adjust(variant_id=variant.pk, delta=12, reason="restock", note="Supplier delivery #88")

    assert refreshed(variant).stock_quantity == 17
    assert (movement.delta, movement.reason, movement.note) == (12, "restock", "Supplier delivery #88")


def test_adjustment_cannot_take_stock_below_zero_or_below_reservations():
    variant = VariantFactory(stock_quantity=5)
    stock_reserve(lines=[StockLine(variant.pk, 3)])

    with pytest.raises(InvalidStockChange) as below_zero:
        stock_adjust(variant_id=variant.pk, delta=-6, reason="damage")
    with pytest.raises(InvalidStockChange):
        stock_adjust(variant_id=variant.pk, delta=-3, reason="damage")

    assert below_zero.value.status_code == 409
    assert refreshed(variant).stock_quantity == 5
    assert not StockMovement.objects.filter(reason="damage").exists()


@pytest.mark.parametrize("reason", ["sale", "reservation", "release", "bogus"])
def test_adjustment_reasons_are_limited_to_what_staff_do_by_hand(reason):
    variant = VariantFactory()

    with pytest.raises(InvalidStockChange):
        stock_adjust(variant_id=variant.pk, delta=1, reason=reason)


def test_the_database_itself_refuses_negative_stock_and_over_reservation():
    variant = VariantFactory(stock_quantity=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.filter(pk=variant.pk).update(stock_quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.filter(pk=variant.pk).update(reserved_quantity=3)


def test_staff_are_emailed_once_when_a_variant_falls_to_its_reorder_point(
    django_capture_on_commit_callbacks, mailoutbox, staff_user, customer
):
    variant = VariantFactory(stock_quantity=5, reorder_point=2)

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(lines=[StockLine(variant.pk, 3)])  # 2 available: at the reorder point
    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(lines=[StockLine(variant.pk, 1)])  # still low: no second email

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [staff_user.email]
    assert variant.sku in mailoutbox[0].body


def test_the_low_stock_alert_rearms_after_stock_recovers(django_capture_on_commit_callbacks, mailoutbox, staff_user):
    variant = VariantFactory(stock_quantity=5, reorder_point=2)
    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(variant_id=variant.pk, delta=-3, reason="damage")
        stock_adjust(variant_id=variant.pk, delta=10, reason="restock")
        stock_adjust(variant_id=variant.pk, delta=-11, reason="correction")

    assert len(mailoutbox) == 2

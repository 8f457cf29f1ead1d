"""
Quotes through their services: drafts priced from the catalog, sending, the customer's answer,
revisions that need a new approval, the final cost capped by the approved quote; the parts an
approval holds, sells and gives back, checked in the database (stock and movements).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.exceptions import ValidationError

from catalog.inventory import InsufficientStock, stock_adjust
from catalog.models import Promotion, StockMovement
from core.dates import store_today
from core.exceptions import InvalidTransition
from core.models import StoreSettings
from repairs.exceptions import QuoteExceeded
from repairs.models import PartState, QuoteStatus, RepairQuote, RepairStatus, RepairStatusEvent
from repairs.services.lifecycle import allowed_moves, repair_transition
from repairs.services.quotes import (
    final_cost_check,
    quote_approve,
    quote_decline,
    quote_draft_save,
    quote_send,
    quote_send_labour,
)
from repairs.tests.factories import repair_factory, technician_user
from repairs.tests.stock_checks import assert_stock_consistent, stocked

pytestmark = pytest.mark.django_db

S = RepairStatus


def labour(price: str, description: str = "Replace the screen") -> dict:
    return {"kind": "labour", "description": description, "quantity": 1, "unit_price": Decimal(price)}


def part(variant, quantity: int = 1, **kw) -> dict:
    return {"kind": "part", "variant_id": variant.pk, "quantity": quantity, **kw}


def sent(repair, *lines, actor=None):
    """`repair` (diagnosing or in repair) with a quote of `lines` sent to the customer."""
    quote_draft_save(repair=repair, lines=list(lines), note="", actor=actor)
    return quote_send(repair=repair, actor=actor)


def movements(repair):
    return list(
        StockMovement.objects.filter(repair_id=repair.pk)
        .order_by("id")
        .values_list("variant__sku", "reason", "delta", "reserved_delta")
    )


# --- Drafts ---------------------------------------------------------------------------------------------


def test_a_part_is_priced_from_the_catalog_unless_the_desk_overrides_it():
    repair = repair_factory(status=S.DIAGNOSING)
    screen, battery = stocked(3, price=Decimal("4500.00")), stocked(3, price=Decimal("2000.00"))

    quote = quote_draft_save(
        repair=repair,
        lines=[part(screen), part(battery, 2, unit_price=Decimal("1800.00")), labour("1500")],
        note="Screen and battery",
        actor=technician_user(),
    )

    lines = list(quote.lines.values_list("kind", "variant_id", "quantity", "unit_price", "line_total"))
    assert lines == [
        ("part", screen.pk, 1, Decimal("4500.00"), Decimal("4500.00")),
        ("part", battery.pk, 2, Decimal("1800.00"), Decimal("3600.00")),
        ("labour", None, 1, Decimal("1500.00"), Decimal("1500.00")),
    ]
    quote.refresh_from_db()
    assert (quote.version, quote.status, quote.total) == (1, "draft", Decimal("9600.00"))
    assert quote.note == "Screen and battery"
    assert quote.lines.first().description == f"{screen.product.name} {screen.name}"


def test_a_parts_default_price_is_its_selling_price_with_the_promotion():
    repair = repair_factory(status=S.DIAGNOSING)
    screen = stocked(3, price=Decimal("4000.00"))
    Promotion.objects.create(name="Week", kind="percentage", value=Decimal("25")).products.add(screen.product)

    quote = quote_draft_save(repair=repair, lines=[part(screen)], note="", actor=None)

    assert quote.lines.get().unit_price == Decimal("3000.00")


def test_saving_the_draft_again_replaces_its_lines_in_the_same_version():
    repair = repair_factory(status=S.DIAGNOSING)
    quote_draft_save(repair=repair, lines=[labour("1000"), labour("200", "Cleaning")], note="", actor=None)

    quote = quote_draft_save(repair=repair, lines=[labour("700")], note="Cheaper", actor=None)

    assert RepairQuote.objects.filter(repair=repair).count() == 1
    assert list(quote.lines.values_list("unit_price", flat=True)) == [Decimal("700.00")]
    assert quote.total == Decimal("700.00")


@pytest.mark.parametrize(
    ("line", "attr"),
    [
        ({"kind": "part", "quantity": 1}, "variant_id"),
        ({"kind": "part", "variant_id": 999_999, "quantity": 1}, "variant_id"),
        ({"kind": "labour", "description": "Labour", "quantity": 1}, "unit_price"),
        ({"kind": "labour", "quantity": 1, "unit_price": Decimal("5")}, "description"),
        ({"kind": "labour", "description": "x", "quantity": 0, "unit_price": Decimal("5")}, "quantity"),
        ({"kind": "labour", "description": "x", "quantity": 1, "unit_price": Decimal("-5")}, "unit_price"),
        ({"kind": "gift", "description": "x", "quantity": 1, "unit_price": Decimal("5")}, "kind"),
    ],
)
def test_bad_lines_are_refused_by_line_and_nothing_is_saved(line, attr):
    repair = repair_factory(status=S.DIAGNOSING)

    with pytest.raises(ValidationError) as caught:
        quote_draft_save(repair=repair, lines=[labour("100"), line], note="", actor=None)

    assert attr in caught.value.detail["lines"][1]
    assert not RepairQuote.objects.filter(repair=repair).exists()


def test_a_part_no_longer_sold_cannot_be_quoted():
    repair = repair_factory(status=S.DIAGNOSING)
    retired = stocked(3, is_active=False)

    with pytest.raises(ValidationError):
        quote_draft_save(repair=repair, lines=[part(retired)], note="", actor=None)


def test_a_closed_repair_is_not_quoted():
    repair = repair_factory(status=S.CANCELLED)

    with pytest.raises(InvalidTransition):
        quote_draft_save(repair=repair, lines=[labour("100")], note="", actor=None)


# --- Sending --------------------------------------------------------------------------------------------


def test_sending_freezes_the_draft_and_awaits_the_customers_approval():
    technician = technician_user()
    repair = repair_factory(status=S.DIAGNOSING)
    quote_draft_save(repair=repair, lines=[labour("2500")], note="", actor=technician)

    repair = quote_send(repair=repair, actor=technician)

    assert repair.status == S.AWAITING_APPROVAL
    assert repair.estimated_cost == Decimal("2500.00")
    quote = repair.quotes.get()
    assert (quote.status, quote.sent_at is not None) == (QuoteStatus.SENT, True)
    step = RepairStatusEvent.objects.filter(repair=repair).last()
    assert (step.from_status, step.status, step.actor) == (S.DIAGNOSING, S.AWAITING_APPROVAL, technician)


def test_an_empty_quote_cannot_be_sent():
    repair = repair_factory(status=S.DIAGNOSING)

    with pytest.raises(ValidationError):
        quote_send(repair=repair, actor=None)
    quote_draft_save(repair=repair, lines=[], note="", actor=None)
    with pytest.raises(ValidationError):
        quote_send(repair=repair, actor=None)

    repair.refresh_from_db()
    assert repair.status == S.DIAGNOSING
    assert repair.quotes.get().status == QuoteStatus.DRAFT


def test_a_quote_is_sent_only_from_diagnosis_or_the_bench_and_stays_a_draft_otherwise():
    repair = repair_factory(status=S.RECEIVED)
    quote_draft_save(repair=repair, lines=[labour("100")], note="", actor=None)

    with pytest.raises(InvalidTransition):
        quote_send(repair=repair, actor=None)

    repair.refresh_from_db()
    assert repair.status == S.RECEIVED
    assert repair.quotes.get().status == QuoteStatus.DRAFT


def test_a_second_quote_cannot_be_sent_while_one_waits_for_an_answer():
    repair = sent(repair_factory(status=S.DIAGNOSING), labour("100"))
    quote_draft_save(repair=repair, lines=[labour("90")], note="", actor=None)

    with pytest.raises(InvalidTransition):
        quote_send(repair=repair, actor=None)

    assert list(repair.quotes.values_list("version", "status")) == [(1, "sent"), (2, "draft")]


def test_awaiting_approval_is_reached_only_by_sending_a_quote_and_left_only_by_its_answer():
    repair = repair_factory(status=S.DIAGNOSING)
    with pytest.raises(InvalidTransition):
        repair_transition(repair=repair, to=S.AWAITING_APPROVAL)
    assert S.AWAITING_APPROVAL not in allowed_moves(repair)

    repair = sent(repair, labour("100"))
    with pytest.raises(InvalidTransition):
        repair_transition(repair=repair, to=S.IN_REPAIR)
    assert allowed_moves(repair) == [S.DIAGNOSING, S.CANCELLED]


def test_the_labour_shortcut_sends_a_one_line_quote():
    repair = repair_factory(status=S.DIAGNOSING)
    quote_draft_save(repair=repair, lines=[labour("5"), labour("6", "Other")], note="", actor=None)

    repair = quote_send_labour(repair=repair, amount=Decimal("1800"), actor=None, note="Charging port")

    quote = repair.quotes.get()
    assert (quote.status, quote.total, quote.note) == (QuoteStatus.SENT, Decimal("1800.00"), "Charging port")
    assert list(quote.lines.values_list("kind", "unit_price")) == [("labour", Decimal("1800.00"))]
    assert repair.status == S.AWAITING_APPROVAL


# --- The customer's answer --------------------------------------------------------------------------


def test_approving_freezes_the_total_holds_the_parts_and_starts_the_repair():
    screen = stocked(5)
    repair = sent(repair_factory(status=S.DIAGNOSING), part(screen, 2, unit_price=Decimal("3000")), labour("1000"))

    repair = quote_approve(repair=repair, actor=repair.user)

    assert repair.status == S.IN_REPAIR
    assert repair.approved_total == Decimal("7000.00")
    quote = repair.quotes.get()
    assert (quote.status, quote.decided_at is not None) == (QuoteStatus.APPROVED, True)
    assert list(repair.parts.values_list("variant_id", "quantity", "state")) == [(screen.pk, 2, "reserved")]
    screen.refresh_from_db()
    assert (screen.stock_quantity, screen.reserved_quantity) == (5, 2)
    assert movements(repair) == [(screen.sku, "repair", 0, 2)]
    assert_stock_consistent(screen)


def test_two_lines_for_one_part_are_held_together_and_only_when_all_units_are_there():
    screen = stocked(3)
    repair = sent(repair_factory(status=S.DIAGNOSING), part(screen, 2), part(screen, 2, unit_price=Decimal("1")))

    repair = quote_approve(repair=repair)

    assert repair.status == S.AWAITING_PARTS
    assert not repair.parts.exists()
    stock_adjust(variant_id=screen.pk, delta=1, reason="restock")
    repair = repair_transition(repair=repair, to=S.IN_REPAIR)
    assert list(repair.parts.values_list("quantity", "state")) == [(4, "reserved")]
    assert_stock_consistent(screen)


def test_a_quote_is_answered_once():
    repair = sent(repair_factory(status=S.DIAGNOSING), labour("100"))
    quote_approve(repair=repair)

    with pytest.raises(InvalidTransition):
        quote_approve(repair=repair)
    with pytest.raises(InvalidTransition):
        quote_decline(repair=repair)

    repair.refresh_from_db()
    assert repair.status == S.IN_REPAIR


def test_a_part_out_of_stock_sends_the_repair_to_wait_for_parts_holding_what_is_there():
    screen, battery = stocked(5), stocked(1)
    repair = sent(repair_factory(status=S.DIAGNOSING), part(screen), part(battery, 2), labour("500"))

    repair = quote_approve(repair=repair)

    assert repair.status == S.AWAITING_PARTS
    assert repair.approved_total is not None
    assert list(repair.parts.values_list("variant_id", "quantity", "state")) == [(screen.pk, 1, "reserved")]
    assert movements(repair) == [(screen.sku, "repair", 0, 1)]
    assert_stock_consistent(screen, battery)


def test_the_bench_takes_the_repair_only_when_the_missing_part_can_be_held():
    screen, battery = stocked(5), stocked(1)
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), part(screen), part(battery, 2)))

    with pytest.raises(InsufficientStock):
        repair_transition(repair=repair, to=S.IN_REPAIR)
    repair.refresh_from_db()
    assert repair.status == S.AWAITING_PARTS
    assert_stock_consistent(screen, battery)

    stock_adjust(variant_id=battery.pk, delta=4, reason="restock")
    repair = repair_transition(repair=repair, to=S.IN_REPAIR)

    assert repair.status == S.IN_REPAIR
    assert sorted(repair.parts.values_list("variant_id", "quantity", "state")) == [
        (screen.pk, 1, "reserved"),
        (battery.pk, 2, "reserved"),
    ]
    assert_stock_consistent(screen, battery)


def test_declining_cancels_the_repair_and_holds_nothing():
    screen = stocked(5)
    repair = sent(repair_factory(status=S.DIAGNOSING), part(screen))

    repair = quote_decline(repair=repair)

    assert repair.status == S.CANCELLED
    assert repair.quotes.get().status == QuoteStatus.DECLINED
    assert repair.approved_total is None
    assert not repair.parts.exists()
    assert_stock_consistent(screen)


def test_declining_can_send_the_repair_back_to_diagnosis_for_another_quote():
    repair = sent(repair_factory(status=S.DIAGNOSING), labour("9000"))

    repair = quote_decline(repair=repair, back_to_diagnosis=True)
    assert repair.status == S.DIAGNOSING
    repair = sent(repair, labour("6000"))

    assert list(repair.quotes.values_list("version", "status")) == [(1, "declined"), (2, "sent")]
    assert repair.status == S.AWAITING_APPROVAL


def test_a_ticket_cancelled_while_its_quote_waits_closes_the_quote():
    repair = sent(repair_factory(status=S.DIAGNOSING), labour("100"))

    repair_transition(repair=repair, to=S.CANCELLED)

    assert repair.quotes.get().status == QuoteStatus.DECLINED
    with pytest.raises(InvalidTransition):
        quote_approve(repair=repair)


# --- Revisions ------------------------------------------------------------------------------------------


def test_a_revision_needs_a_new_approval_and_the_old_total_stands_until_then():
    screen, board = stocked(5), stocked(5)
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), part(screen, unit_price=Decimal("3000"))))

    repair = sent(repair, part(screen, unit_price=Decimal("3000")), part(board, unit_price=Decimal("5000")))
    assert repair.status == S.AWAITING_APPROVAL
    assert repair.approved_total == Decimal("3000.00")
    with pytest.raises(QuoteExceeded):
        final_cost_check(repair, Decimal("8000"))

    repair = quote_approve(repair=repair)

    assert repair.status == S.IN_REPAIR
    assert repair.approved_total == Decimal("8000.00")
    final_cost_check(repair, Decimal("8000"))
    assert list(repair.quotes.values_list("version", "status")) == [(1, "approved"), (2, "approved")]
    held = repair.parts.filter(state=PartState.RESERVED)
    assert sorted(held.values_list("quote__version", "variant_id", "quantity")) == [(2, screen.pk, 1), (2, board.pk, 1)]
    assert_stock_consistent(screen, board)
    screen.refresh_from_db()
    assert screen.reserved_quantity == 1  # handed from version 1 to version 2, never held twice


def test_a_declined_revision_keeps_the_earlier_approval_and_its_parts():
    screen = stocked(5)
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), part(screen, unit_price=Decimal("3000"))))
    repair = sent(repair, part(screen, 2, unit_price=Decimal("3000")))

    repair = quote_decline(repair=repair, back_to_diagnosis=True)

    assert repair.status == S.DIAGNOSING
    assert repair.approved_total == Decimal("3000.00")
    assert list(repair.parts.values_list("quantity", "state")) == [(1, "reserved")]
    assert_stock_consistent(screen)


# --- Completion and cancellation ------------------------------------------------------------------------


def test_completing_the_repair_sells_its_parts_and_starts_the_warranty():
    StoreSettings.objects.update_or_create(pk=1, defaults={"repair_warranty_days": 30})
    screen = stocked(5)
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), part(screen, 2)))
    repair_transition(repair=repair, to=S.READY_FOR_PICKUP)

    repair = repair_transition(repair=repair, to=S.COMPLETED)

    assert repair.completed_at is not None
    assert repair.warranty_until == store_today() + timedelta(days=30)
    assert list(repair.parts.values_list("quantity", "state")) == [(2, "used")]
    screen.refresh_from_db()
    assert (screen.stock_quantity, screen.reserved_quantity) == (3, 0)
    assert movements(repair) == [(screen.sku, "repair", 0, 2), (screen.sku, "repair", -2, -2)]
    assert_stock_consistent(screen)


def test_the_warranty_counts_from_the_stores_today_not_utcs():
    repair = repair_factory(status=S.READY_FOR_PICKUP)

    with time_machine.travel(datetime(2026, 3, 1, 22, 30, tzinfo=UTC), tick=False):  # 01:30 on 2 March in Nairobi
        repair = repair_transition(repair=repair, to=S.COMPLETED)

    assert repair.warranty_until == date(2026, 3, 2) + timedelta(days=90)


def test_cancelling_a_repair_gives_its_parts_back_to_the_shelf():
    screen, battery = stocked(5), stocked(0)
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), part(screen, 2), part(battery)))
    assert repair.status == S.AWAITING_PARTS

    repair = repair_transition(repair=repair, to=S.CANCELLED)

    assert list(repair.parts.values_list("variant_id", "state")) == [(screen.pk, "released")]
    screen.refresh_from_db()
    assert (screen.stock_quantity, screen.reserved_quantity) == (5, 0)
    assert movements(repair) == [(screen.sku, "repair", 0, 2), (screen.sku, "repair", 0, -2)]
    assert_stock_consistent(screen, battery)


# --- The final cost ---------------------------------------------------------------------------------


def test_the_final_cost_may_not_exceed_the_approved_quote():
    repair = quote_approve(repair=sent(repair_factory(status=S.DIAGNOSING), labour("2500")))

    final_cost_check(repair, Decimal("2500.00"))
    final_cost_check(repair, Decimal("2000.00"))
    with pytest.raises(QuoteExceeded) as caught:
        final_cost_check(repair, Decimal("2500.01"))
    assert caught.value.default_code == "quote_exceeded"


def test_with_nothing_approved_no_final_cost_above_zero_is():
    repair = repair_factory(status=S.DIAGNOSING)

    final_cost_check(repair, Decimal("0"))
    with pytest.raises(QuoteExceeded):
        final_cost_check(repair, Decimal("1"))

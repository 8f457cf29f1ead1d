"""
Quotes answered while something else happens, with real threads on PostgreSQL: an approval racing a
cancellation (and a checkout taking the same parts) leaves the stock right, whichever wins; two
repairs approved for the last part hold it once.
"""

from collections import Counter

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import ProductVariant
from core.exceptions import InvalidTransition
from core.testing import run_at_once
from orders.services.placement import ItemRequest, order_place
from repairs.models import PartState, RepairPart, RepairStatus
from repairs.services.lifecycle import repair_transition
from repairs.services.quotes import quote_approve, quote_draft_save, quote_send
from repairs.tests.factories import repair_factory
from repairs.tests.stock_checks import assert_stock_consistent, stocked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12
ADDRESS = {"full_name": "A", "phone": "0712345678", "line1": "Moi Ave", "city": "Nairobi", "county": "Nairobi"}


def parts(*variants_and_units) -> list[dict]:
    return [{"kind": "part", "variant_id": variant.pk, "quantity": units} for variant, units in variants_and_units]


def quoted(*variants_and_units):
    repair = repair_factory(status=RepairStatus.DIAGNOSING)
    quote_draft_save(repair=repair, lines=parts(*variants_and_units), note="", actor=None)
    return quote_send(repair=repair, actor=None)


def named(result) -> str:
    return type(result).__name__ if isinstance(result, Exception) else "ok"


def test_an_approval_racing_a_cancellation_leaves_the_stock_consistent():
    screen, battery = stocked(500), stocked(500)
    buyer = UserFactory()
    seen = Counter()

    for round_ in range(ROUNDS):
        if round_ % 2:
            repair = quoted((screen, 2), (battery, 1))
        else:  # a revision: approving it gives back the first version's parts and holds the second's
            repair = quote_approve(repair=quoted((battery, 2)))
            quote_draft_save(repair=repair, lines=parts((screen, 1), (battery, 3)), note="", actor=None)
            repair = quote_send(repair=repair, actor=None)

        approved, cancelled, ordered = run_at_once(
            [
                lambda repair=repair: quote_approve(repair=repair),
                lambda repair=repair: repair_transition(repair=repair, to=RepairStatus.CANCELLED),
                lambda: order_place(user=buyer, payment_method="mpesa", shipping_address=ADDRESS,
                                    items=[ItemRequest(battery.pk, 1), ItemRequest(screen.pk, 1)]),
            ]
        )  # fmt: skip

        assert named(cancelled) == "ok" and named(ordered) == "ok", (cancelled, ordered)
        assert named(approved) in ("ok", "InvalidTransition"), approved
        assert isinstance(approved, InvalidTransition) or approved.status == RepairStatus.IN_REPAIR
        seen[named(approved)] += 1
        repair.refresh_from_db()
        assert repair.status == RepairStatus.CANCELLED
        assert not RepairPart.objects.filter(repair=repair, state=PartState.RESERVED).exists()
        assert_stock_consistent(screen, battery)

    assert sum(seen.values()) == ROUNDS, seen
    screen.refresh_from_db()
    assert screen.reserved_quantity == ROUNDS  # the orders' units only: every repair gave its parts back


def test_two_repairs_approved_for_the_last_part_hold_it_once():
    for _ in range(ROUNDS):
        screen = stocked(1)
        first, second = quoted((screen, 1)), quoted((screen, 1))

        results = run_at_once([lambda r=first: quote_approve(repair=r), lambda r=second: quote_approve(repair=r)])

        assert [named(result) for result in results] == ["ok", "ok"]
        assert sorted(result.status for result in results) == [RepairStatus.AWAITING_PARTS, RepairStatus.IN_REPAIR]
        assert ProductVariant.objects.get(pk=screen.pk).reserved_quantity == 1
        assert_stock_consistent(screen)

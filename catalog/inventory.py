"""
The one door for stock: the only code that changes `stock_quantity` or `reserved_quantity`.

Every function takes a whole order's lines at once, locks the variants in primary-key order
(so two checkouts with the same lines in opposite orders cannot deadlock), checks every line
before changing any, raises one `InsufficientStock` naming every short line, changes the rows
with `F()` expressions and writes one `StockMovement` per line, all in one transaction.
On SQLite, where `SELECT ... FOR UPDATE` does not exist, the settings open every transaction
with `BEGIN IMMEDIATE`, which serialises writers the same way. The CHECK constraints on
`ProductVariant` are the last line of defence.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import MovementReason, ProductVariant, StockMovement
from catalog.pricing import sellable_units
from core.events import events_record
from core.exceptions import ConflictError
from core.models import EventType

ADJUSTMENT_REASONS = frozenset(
    {MovementReason.RESTOCK, MovementReason.CORRECTION, MovementReason.DAMAGE, MovementReason.RETURN}
)


@dataclass(frozen=True)
class StockLine:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class Shortage:
    variant_id: int
    sku: str | None
    requested: int
    available: int


class InsufficientStock(ConflictError):
    """One or more lines cannot be served; `shortages` names every one of them."""

    default_code = "out_of_stock"

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        # One error per short line in the envelope, so a storefront can mark each of them.
        super().__init__(
            [
                f"Not enough stock for {s.sku or f'variant {s.variant_id}'}: {s.requested} requested, "
                f"{s.available} available."
                for s in self.shortages
            ],
            code=self.default_code,
        )


class InvalidStockChange(ConflictError):
    default_code = "invalid_stock_change"


def _merge(lines: Iterable[StockLine]) -> dict[int, int]:
    """Sum quantities per variant, sorted by id (the lock order)."""
    merged: dict[int, int] = {}
    for line in lines:
        assert line.quantity > 0, f"Stock line quantities must be positive, got {line.quantity} for {line.variant_id}."
        merged[line.variant_id] = merged.get(line.variant_id, 0) + line.quantity
    return dict(sorted(merged.items()))


def _lock(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the variants' rows in primary-key order and return them by id."""
    rows = (
        ProductVariant.objects.select_related("product")
        .select_for_update(of=("self",))  # lock the variants, not the joined products
        .filter(pk__in=list(variant_ids))
        .order_by("pk")
    )
    return {variant.pk: variant for variant in rows}


def _apply(
    *,
    quantities: dict[int, int],
    variants: dict[int, ProductVariant],
    stock_sign: int,
    reserved_sign: int,
    reason: str,
    order_id: int | None,
    repair_id: int | None = None,
    actor,
    note: str,
) -> None:
    movements = []
    for variant_id, quantity in quantities.items():
        stock_delta, reserved_delta = stock_sign * quantity, reserved_sign * quantity
        ProductVariant.objects.filter(pk=variant_id).update(
            stock_quantity=F("stock_quantity") + stock_delta,
            reserved_quantity=F("reserved_quantity") + reserved_delta,
            updated_at=timezone.now(),
        )
        variant = variants[variant_id]
        variant.stock_quantity += stock_delta
        variant.reserved_quantity += reserved_delta
        movements.append(
            StockMovement(
                variant_id=variant_id,
                delta=stock_delta,
                reserved_delta=reserved_delta,
                reason=reason,
                order_id=order_id,
                repair_id=repair_id,
                actor=actor,
                note=note[:255],
            )
        )
    StockMovement.objects.bulk_create(movements)
    _note_low_stock(variants.values())


def _reason(default: str, *, reason: str | None, order_id: int | None, repair_id: int | None) -> str:
    """
    The movement's reason: the function's own for an order (or none), `repair` for a repair's
    parts, so the movements list tells a sale from a part used at the bench.
    """
    assert order_id is None or repair_id is None, "A stock movement is for an order or for a repair, not both."
    chosen = reason or (MovementReason.REPAIR if repair_id is not None else default)
    assert chosen in (default, MovementReason.REPAIR), f"{chosen!r} is not a reason for this stock change."
    return chosen


def stock_lock(*, variant_ids: Iterable[int]) -> None:
    """
    Lock these variants until the transaction ends, in primary-key order. For a caller that makes
    several stock changes in one transaction (a repair's revised quote gives back the old parts and
    holds the new ones): taking every lock first, in the one order, it cannot deadlock with a checkout.
    """
    assert transaction.get_connection().in_atomic_block, "stock_lock holds its locks only inside a transaction."
    _lock(sorted(set(variant_ids)))


def stock_reserve(
    *,
    lines: Sequence[StockLine],
    order_id: int | None = None,
    repair_id: int | None = None,
    reason: str | None = None,
    actor=None,
    note: str = "",
) -> None:
    """Hold units for an order or a repair; all lines or none. Inactive or unknown variants count as unavailable."""
    quantities = _merge(lines)
    with transaction.atomic():
        variants = _lock(quantities)
        shortages = [
            Shortage(
                variant_id=variant_id,
                sku=variants[variant_id].sku if variant_id in variants else None,
                requested=quantity,
                available=sellable_units(variants.get(variant_id)),
            )
            for variant_id, quantity in quantities.items()
            if sellable_units(variants.get(variant_id)) < quantity
        ]
        if shortages:
            raise InsufficientStock(shortages)
        _apply(
            quantities=quantities,
            variants=variants,
            stock_sign=0,
            reserved_sign=+1,
            reason=_reason(MovementReason.RESERVATION, reason=reason, order_id=order_id, repair_id=repair_id),
            order_id=order_id,
            repair_id=repair_id,
            actor=actor,
            note=note,
        )


def stock_release(
    *,
    lines: Sequence[StockLine],
    order_id: int | None = None,
    repair_id: int | None = None,
    reason: str | None = None,
    actor=None,
    note: str = "",
) -> None:
    """Give reserved units back to the shelf (order failed, expired or cancelled before the sale; repair cancelled)."""
    quantities = _merge(lines)
    with transaction.atomic():
        variants = _lock(quantities)
        _require_reserved(quantities, variants, action="release")
        _apply(
            quantities=quantities,
            variants=variants,
            stock_sign=0,
            reserved_sign=-1,
            reason=_reason(MovementReason.RELEASE, reason=reason, order_id=order_id, repair_id=repair_id),
            order_id=order_id,
            repair_id=repair_id,
            actor=actor,
            note=note,
        )


def stock_commit(
    *,
    lines: Sequence[StockLine],
    order_id: int | None = None,
    repair_id: int | None = None,
    reason: str | None = None,
    actor=None,
    note: str = "",
) -> None:
    """Turn reserved units into a sale (or parts used in a repair): they leave the shelf and the reservation."""
    quantities = _merge(lines)
    with transaction.atomic():
        variants = _lock(quantities)
        _require_reserved(quantities, variants, action="commit")
        _apply(
            quantities=quantities,
            variants=variants,
            stock_sign=-1,
            reserved_sign=-1,
            reason=_reason(MovementReason.SALE, reason=reason, order_id=order_id, repair_id=repair_id),
            order_id=order_id,
            repair_id=repair_id,
            actor=actor,
            note=note,
        )


def stock_restock(
    *,
    lines: Sequence[StockLine],
    order_id: int | None = None,
    actor=None,
    reason: str = MovementReason.CANCELLATION,
    note: str = "",
) -> None:
    """Put sold units back on the shelf (a cancellation or return after the sale)."""
    assert reason in (MovementReason.CANCELLATION, MovementReason.RETURN), f"Restock reason {reason!r} is not allowed."
    quantities = _merge(lines)
    with transaction.atomic():
        variants = _lock(quantities)
        missing = set(quantities) - set(variants)
        if missing:
            raise InvalidStockChange(f"Unknown variants: {sorted(missing)}.")
        _apply(
            quantities=quantities,
            variants=variants,
            stock_sign=+1,
            reserved_sign=0,
            reason=reason,
            order_id=order_id,
            actor=actor,
            note=note,
        )


def stock_adjust(*, variant_id: int, delta: int, reason: str, actor=None, note: str = "") -> StockMovement:
    """
    A staff correction of units on hand (restock, count correction, damage, customer return).

    Stock may not fall below zero, nor below what is reserved for orders: that would sell
    units the shop no longer has.
    """
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidStockChange(f"Adjustments take one of {sorted(ADJUSTMENT_REASONS)}, not {reason!r}.")
    if delta == 0:
        raise InvalidStockChange("An adjustment must change the stock.")
    with transaction.atomic():
        variant = _lock_one(variant_id)
        return _adjust_locked(variant=variant, delta=delta, reason=reason, actor=actor, note=note)


def stock_set_on_hand(
    *, variant_id: int, quantity: int, reason: str = MovementReason.CORRECTION, actor=None, note: str = ""
) -> StockMovement | None:
    """
    Make a variant's units on hand `quantity` (a stock count typed in by staff), recording the
    difference as one adjustment; None when the count already matches.
    """
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidStockChange(f"Adjustments take one of {sorted(ADJUSTMENT_REASONS)}, not {reason!r}.")
    with transaction.atomic():
        variant = _lock_one(variant_id)
        delta = quantity - variant.stock_quantity
        if delta == 0:
            return None
        return _adjust_locked(variant=variant, delta=delta, reason=reason, actor=actor, note=note)


def variants_create_with_opening_stock(
    variants: Sequence[ProductVariant], *, actor=None, note: str = "Opening stock", batch_size: int = 2000
) -> list[ProductVariant]:
    """
    Insert many new variants with their opening stock (`stock_quantity` as given, nothing
    reserved) and one restock movement each, in bulk: for imports and demo catalogs, where
    one adjustment per variant would take minutes. Existing variants go through `stock_adjust`.
    """
    for variant in variants:
        assert variant.pk is None, f"{variant.sku} exists already; change its stock with stock_adjust."
        assert variant.stock_quantity >= 0 and not variant.reserved_quantity, f"{variant.sku}: bad opening stock."
    with transaction.atomic():
        created = ProductVariant.objects.bulk_create(variants, batch_size=batch_size)
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    variant_id=variant.pk,
                    delta=variant.stock_quantity,
                    reason=MovementReason.RESTOCK,
                    actor=actor,
                    note=note[:255],
                )
                for variant in created
                if variant.stock_quantity
            ],
            batch_size=batch_size,
        )
    return created


def _lock_one(variant_id: int) -> ProductVariant:
    variant = _lock([variant_id]).get(variant_id)
    if variant is None:
        raise InvalidStockChange(f"Unknown variant {variant_id}.")
    return variant


def _adjust_locked(*, variant: ProductVariant, delta: int, reason: str, actor, note: str) -> StockMovement:
    if variant.stock_quantity + delta < variant.reserved_quantity:
        raise InvalidStockChange(
            f"{variant.sku} has {variant.stock_quantity} on hand with {variant.reserved_quantity} reserved; "
            f"a change of {delta} would leave too few units.",
            code="insufficient_stock",
        )
    ProductVariant.objects.filter(pk=variant.pk).update(
        stock_quantity=F("stock_quantity") + delta, updated_at=timezone.now()
    )
    variant.stock_quantity += delta
    movement = StockMovement.objects.create(variant_id=variant.pk, delta=delta, reason=reason, actor=actor,
                                            note=note[:255])  # fmt: skip
    _note_low_stock([variant])
    return movement


def _require_reserved(quantities: dict[int, int], variants: dict[int, ProductVariant], *, action: str) -> None:
    """Releasing or selling more than is reserved is a bug in the caller, not a customer error."""
    for variant_id, quantity in quantities.items():
        variant = variants.get(variant_id)
        if variant is None or variant.reserved_quantity < quantity:
            raise InvalidStockChange(
                f"Cannot {action} {quantity} of variant {variant_id}: "
                f"only {variant.reserved_quantity if variant else 0} reserved."
            )


def _note_low_stock(variants: Iterable[ProductVariant]) -> None:
    """
    Tell staff once when a variant falls to its reorder point, and re-arm when it recovers.

    Runs inside the caller's transaction (the rows are locked); the email goes after commit.
    """
    crossed, recovered = [], []
    for variant in variants:
        is_low = variant.available <= variant.reorder_point
        if is_low and variant.low_stock_notified_at is None:
            crossed.append(variant.pk)
        elif not is_low and variant.low_stock_notified_at is not None:
            recovered.append(variant.pk)
    if recovered:
        ProductVariant.objects.filter(pk__in=recovered).update(low_stock_notified_at=None)
    if crossed:
        ProductVariant.objects.filter(pk__in=crossed).update(low_stock_notified_at=timezone.now())
        low = [variant for variant in variants if variant.pk in crossed]
        events_record(
            type=EventType.STOCK_LOW,
            payloads=[
                {"variant_id": v.pk, "sku": v.sku, "product_id": v.product_id, "available": v.available,
                 "reorder_point": v.reorder_point}
                for v in low
            ],
        )  # fmt: skip
        from catalog.tasks import notify_low_stock

        transaction.on_commit(lambda: notify_low_stock.delay(variant_ids=crossed))

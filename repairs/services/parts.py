"""
Parts a repair draws from stock, always through `catalog.inventory` (movement reason `repair`,
the repair's id on every movement). A repair holds the parts of its approved quote, no more:

- approving a quote reserves its parts (`parts_reserve`): what is on the shelf is held at once;
  a part that is short is held by nobody and the ticket waits in `awaiting_parts`;
- moving the ticket to `in_repair` (from `awaiting_parts`, when the part came in) holds every
  part still missing, all or none (`parts_reserve_outstanding`, 409 `out_of_stock` when one is
  still short), so no repair is worked on without its parts held;
- completing the repair sells the held parts (`parts_use`); cancelling it gives them back
  (`parts_release`).

Each `RepairPart` row is a lot of units held (`reserved`), then `used` or `released`, so
`variant.reserved_quantity` is always the units of open order reservations plus the `reserved`
rows here. Every function runs inside the caller's transaction, with the ticket's row locked.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog import inventory
from catalog.inventory import InsufficientStock, StockLine
from repairs.models import PartState, QuoteLineKind, QuoteStatus, RepairPart, RepairQuote, RepairRequest


def _quantities(rows) -> list[StockLine]:
    merged: dict[int, int] = defaultdict(int)
    for row in rows:
        merged[row.variant_id] += row.quantity
    return [StockLine(variant_id, quantity) for variant_id, quantity in sorted(merged.items())]


def _needed(quote: RepairQuote) -> dict[int, int]:
    """The units of each variant the quote's part lines ask for."""
    rows = (
        quote.lines.filter(kind=QuoteLineKind.PART)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .order_by("variant_id")
    )
    return {row["variant_id"]: row["units"] for row in rows}


def _outstanding(*, repair: RepairRequest, quote: RepairQuote) -> dict[int, int]:
    """What `quote` asks for that no `reserved` or `used` row of it holds yet."""
    held: dict[int, int] = defaultdict(int)
    for part in repair.parts.filter(quote=quote, state__in=[PartState.RESERVED, PartState.USED]):
        held[part.variant_id] += part.quantity
    return {
        variant_id: units - held[variant_id] for variant_id, units in _needed(quote).items() if units > held[variant_id]
    }


def _hold(*, repair: RepairRequest, quote: RepairQuote, quantities: dict[int, int], actor) -> None:
    """Reserve `quantities` (all or none: raises `InsufficientStock`) and record them as held rows."""
    if not quantities:
        return
    inventory.stock_reserve(
        lines=[StockLine(variant_id, units) for variant_id, units in quantities.items()],
        repair_id=repair.pk,
        actor=actor,
        note=f"{repair.tracking_code}: quote v{quote.version}",
    )
    RepairPart.objects.bulk_create(
        [
            RepairPart(repair=repair, quote=quote, variant_id=variant_id, quantity=units)
            for variant_id, units in quantities.items()
        ]
    )


def approved_quote(repair: RepairRequest) -> RepairQuote | None:
    """The newest approved version: the one the repair's parts and price follow."""
    return repair.quotes.filter(status=QuoteStatus.APPROVED).order_by("-version").first()


def parts_reserve(*, repair: RepairRequest, quote: RepairQuote, actor=None) -> bool:
    """
    Hold the parts of `quote`, which the customer has just approved. Returns whether every part is
    held; False means one or more are short and the ticket should wait in `awaiting_parts`: the
    parts on the shelf are held now, the short ones when the ticket moves to `in_repair`.

    A revision replaces an earlier approval: the parts held for the earlier version go back to the
    shelf and the new version's are reserved, in this one transaction with every variant involved
    locked first (in primary-key order), so no buyer takes them in between and nobody deadlocks.
    """
    assert quote.repair_id == repair.pk and quote.status == QuoteStatus.APPROVED, "Reserve an approved quote's parts."
    earlier = list(repair.parts.filter(state=PartState.RESERVED).exclude(quote=quote))
    wanted = _outstanding(repair=repair, quote=quote)
    inventory.stock_lock(variant_ids=[*wanted, *(part.variant_id for part in earlier)])
    _release_rows(repair=repair, rows=earlier, actor=actor, note=f"replaced by quote v{quote.version}")

    everything = dict(wanted)
    while wanted:
        try:
            _hold(repair=repair, quote=quote, quantities=wanted, actor=actor)
            break
        except InsufficientStock as short:
            # Hold the rest now; each retry drops at least one line, so this ends.
            for shortage in short.shortages:
                wanted.pop(shortage.variant_id, None)
    return wanted == everything


def parts_reserve_outstanding(*, repair: RepairRequest, actor=None) -> None:
    """
    Hold every part of the approved quote that is not held yet, all or none: the ticket goes to the
    bench only with its parts. A part still short raises `InsufficientStock` (409 `out_of_stock`).
    """
    quote = approved_quote(repair)
    if quote is not None:
        _hold(repair=repair, quote=quote, quantities=_outstanding(repair=repair, quote=quote), actor=actor)


def parts_use(*, repair: RepairRequest, actor=None) -> None:
    """The repair is complete: the held parts are sold (they leave the shelf and the reservation)."""
    rows = list(repair.parts.filter(state=PartState.RESERVED))
    if not rows:
        return
    inventory.stock_commit(lines=_quantities(rows), repair_id=repair.pk, actor=actor,
                           note=f"{repair.tracking_code}: used")  # fmt: skip
    RepairPart.objects.filter(pk__in=[row.pk for row in rows]).update(state=PartState.USED, updated_at=timezone.now())


def parts_release(*, repair: RepairRequest, actor=None, note: str = "released") -> None:
    """Give every held part back to the shelf (the ticket is cancelled or its quote declined)."""
    _release_rows(repair=repair, rows=list(repair.parts.filter(state=PartState.RESERVED)), actor=actor, note=note)


def _release_rows(*, repair: RepairRequest, rows: list[RepairPart], actor, note: str) -> None:
    if not rows:
        return
    assert transaction.get_connection().in_atomic_block, "Release parts inside the ticket's transaction."
    inventory.stock_release(lines=_quantities(rows), repair_id=repair.pk, actor=actor,
                            note=f"{repair.tracking_code}: {note}")  # fmt: skip
    RepairPart.objects.filter(pk__in=[row.pk for row in rows]).update(
        state=PartState.RELEASED, updated_at=timezone.now()
    )

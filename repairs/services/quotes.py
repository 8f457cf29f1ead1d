"""
Quotes: the price of a repair, as versions the customer approves or declines.

The desk edits one draft (`quote_draft_save`). Sending it (`quote_send`) freezes it as the
version the customer answers and moves the ticket to `awaiting_approval` (the transition emails
the customer). Approving it (`quote_approve`) fixes what the repair may charge (`approved_total`),
reserves its parts and sends the ticket to the bench, or to wait for a part that is out of stock;
declining it (`quote_decline`) cancels the ticket or sends it back to diagnosis. A revision after
an approval is a new version that needs its own approval: until then the earlier approved total
and the parts held for it stay.

Every function locks the ticket's row first, so an answer racing a cancellation, a second answer
or a second send is applied after it, on what it left (409 `invalid_transition` when nothing is
left to answer).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog.models import ProductVariant
from catalog.pricing import ActivePromotions, unit_price, variant_sellable
from core.exceptions import InvalidTransition
from core.serializers import MAX_MONEY
from repairs.exceptions import QuoteExceeded
from repairs.models import QuoteLineKind, QuoteStatus, RepairQuote, RepairQuoteLine, RepairRequest, RepairStatus
from repairs.services.lifecycle import TRANSITIONS, actor_or_none, repair_transition
from repairs.services.parts import parts_reserve

CENT = Decimal("0.01")
MAX_LINES = 50
LABOUR_DESCRIPTION = "Repair labour"
# A ticket with no move left (completed, cancelled) is not quoted any more.
CLOSED = frozenset(status for status, moves in TRANSITIONS.items() if not moves)


def _locked(repair: RepairRequest) -> RepairRequest:
    return RepairRequest.objects.select_for_update().get(pk=repair.pk)


def _sent_quote(repair: RepairRequest) -> RepairQuote:
    """The version waiting for the customer's answer; none → 409 `invalid_transition`."""
    quote = repair.quotes.select_for_update().filter(status=QuoteStatus.SENT).first()
    if quote is None:
        raise InvalidTransition("No quote of this repair is waiting for an answer.")
    return quote


# --- The draft ----------------------------------------------------------------------------------------


def quote_draft_save(*, repair: RepairRequest, lines: list[dict], note: str, actor) -> RepairQuote:
    """
    Make the draft's lines and note these (the draft is created, as the next version, when there is
    none). `lines`: `{kind, description, variant_id?, quantity, unit_price?}`; a part's price is the
    variant's selling price now (`catalog.pricing`) unless one is given. Invalid lines → 400, nothing saved.
    """
    with transaction.atomic():
        repair = _locked(repair)
        if repair.status in CLOSED:
            raise InvalidTransition(f"A {repair.status} repair cannot be quoted.")
        built = _lines_build(lines)
        draft = repair.quotes.filter(status=QuoteStatus.DRAFT).first()
        if draft is None:
            last = repair.quotes.order_by("-version").values_list("version", flat=True).first() or 0
            draft = RepairQuote(repair=repair, version=last + 1)
        else:
            draft.lines.all().delete()
        draft.note = note
        draft.total = sum((line.line_total for line in built), Decimal("0.00"))
        draft.save()
        for line in built:
            line.quote = draft
        RepairQuoteLine.objects.bulk_create(built)
    return draft


def _lines_build(lines: list[dict]) -> list[RepairQuoteLine]:
    """Check and price the lines; every problem is reported at once, by line (`lines.2.variant_id`)."""
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [ErrorDetail(f"A quote has at most {MAX_LINES} lines.", code="max_length")]})
    variant_ids = {line["variant_id"] for line in lines if line.get("variant_id") is not None}
    variants = ProductVariant.objects.select_related("product__category").in_bulk(variant_ids)
    promotions = ActivePromotions.load() if variants else ActivePromotions()
    errors: list[dict] = []
    built: list[RepairQuoteLine] = []
    for line in lines:
        problems: dict[str, list[ErrorDetail]] = {}
        kind, variant_id = line.get("kind"), line.get("variant_id")
        quantity, price = line.get("quantity", 1), line.get("unit_price")
        description = (line.get("description") or "").strip()
        variant = variants.get(variant_id) if variant_id is not None else None
        if kind == QuoteLineKind.PART:
            if variant_id is None:
                problems["variant_id"] = [ErrorDetail("A part names the catalog variant it uses.", code="required")]
            elif variant is None:
                problems["variant_id"] = [ErrorDetail(f"There is no variant {variant_id}.", code="does_not_exist")]
            elif not variant_sellable(variant):
                problems["variant_id"] = [ErrorDetail(f"{variant.sku} is no longer sold.", code="invalid")]
            else:
                price = unit_price(variant, promotions=promotions) if price is None else price
                description = description or f"{variant.product.name} {variant.name}".strip()
        elif kind == QuoteLineKind.LABOUR:
            if variant_id is not None:
                problems["variant_id"] = [ErrorDetail("Labour names no variant.", code="invalid")]
            if price is None:
                problems["unit_price"] = [ErrorDetail("Labour needs a price.", code="required")]
            if not description:
                problems["description"] = [ErrorDetail("Say what the labour is.", code="required")]
        else:
            problems["kind"] = [ErrorDetail('A line is "labour" or "part".', code="invalid_choice")]
        if not isinstance(quantity, int) or quantity < 1:
            problems["quantity"] = [ErrorDetail("The quantity is a whole number, at least 1.", code="min_value")]
        if price is not None and not Decimal(0) <= Decimal(price) <= MAX_MONEY:
            problems["unit_price"] = [ErrorDetail(f"A price is between 0 and {MAX_MONEY}.", code="invalid")]
        errors.append(problems)
        if not problems:
            price = Decimal(price).quantize(CENT, rounding=ROUND_HALF_UP)
            built.append(
                RepairQuoteLine(kind=kind, description=description[:255], variant=variant if kind == "part" else None,
                                quantity=quantity, unit_price=price, line_total=(price * quantity).quantize(CENT))
            )  # fmt: skip
    if any(errors):
        raise ValidationError({"lines": errors})
    if sum((line.line_total for line in built), Decimal(0)) > MAX_MONEY:
        raise ValidationError({"lines": [ErrorDetail(f"A quote totals at most {MAX_MONEY}.", code="max_value")]})
    return built


# --- Sending --------------------------------------------------------------------------------------------


def quote_send(*, repair: RepairRequest, actor) -> RepairRequest:
    """
    Freeze the draft as the version the customer answers and move the ticket to `awaiting_approval`
    (from diagnosing, or from in_repair for a revision); the transition emails the customer. An
    empty draft → 400; a quote already waiting for an answer → 409 `invalid_transition`.
    """
    with transaction.atomic():
        repair = _locked(repair)
        if repair.quotes.filter(status=QuoteStatus.SENT).exists():
            raise InvalidTransition("A quote of this repair is already waiting for the customer's answer.")
        draft = repair.quotes.select_for_update().filter(status=QuoteStatus.DRAFT).first()
        if draft is None or not draft.lines.exists():
            raise ValidationError([ErrorDetail("An empty quote cannot be sent: save its lines first.",
                                               code="quote_empty")])  # fmt: skip
        draft.status, draft.sent_at = QuoteStatus.SENT, timezone.now()
        draft.save(update_fields=["status", "sent_at", "updated_at"])
        # The table and `_move_problem` refuse the move (409) from any other status; the sent mark rolls back then.
        return repair_transition(
            repair=repair,
            to=RepairStatus.AWAITING_APPROVAL,
            actor=actor,
            note=f"Quote v{draft.version} sent: {draft.total}",
            changes={"estimated_cost": draft.total},
        )


def quote_send_labour(*, repair: RepairRequest, amount: Decimal, actor, note: str = "") -> RepairRequest:
    """
    The desk's shortcut (a PATCH with `estimated_cost` and `status: awaiting_approval`): the draft
    becomes one labour line of `amount`, and is sent. The customer still approves a quote, never a bare number.
    """
    with transaction.atomic():
        lines = [{"kind": QuoteLineKind.LABOUR, "description": LABOUR_DESCRIPTION, "quantity": 1, "unit_price": amount}]
        quote_draft_save(repair=repair, lines=lines, note=note, actor=actor)
        return quote_send(repair=repair, actor=actor)


# --- The customer's answer --------------------------------------------------------------------------


def quote_approve(*, repair: RepairRequest, actor=None) -> RepairRequest:
    """
    Approve the quote waiting for an answer: it is frozen, its total becomes `approved_total`, its
    parts are reserved and the ticket goes to `in_repair`, or to `awaiting_parts` when a part is out
    of stock (never an error for that). No quote waiting → 409 `invalid_transition`.
    """
    actor = actor_or_none(actor)
    with transaction.atomic():
        repair = _locked(repair)
        quote = _sent_quote(repair)
        quote.status, quote.decided_at, quote.decided_by = QuoteStatus.APPROVED, timezone.now(), actor
        quote.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
        all_held = parts_reserve(repair=repair, quote=quote, actor=actor)
        return repair_transition(
            repair=repair,
            to=RepairStatus.IN_REPAIR if all_held else RepairStatus.AWAITING_PARTS,
            actor=actor,
            note=f"Quote v{quote.version} approved{_by_code(actor)}" + ("" if all_held else "; waiting for parts"),
            changes={"approved_total": quote.total},
        )


def quote_decline(*, repair: RepairRequest, actor=None, back_to_diagnosis: bool = False) -> RepairRequest:
    """
    Decline the quote waiting for an answer: the ticket is cancelled (its held parts go back to the
    shelf), or goes back to diagnosis for another quote. Declining a revision keeps the earlier
    approval, its total and its parts. No quote waiting → 409 `invalid_transition`.
    """
    actor = actor_or_none(actor)
    with transaction.atomic():
        repair = _locked(repair)
        quote = _sent_quote(repair)
        quote.status, quote.decided_at, quote.decided_by = QuoteStatus.DECLINED, timezone.now(), actor
        quote.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
        return repair_transition(
            repair=repair,
            to=RepairStatus.DIAGNOSING if back_to_diagnosis else RepairStatus.CANCELLED,
            actor=actor,
            note=f"Quote v{quote.version} declined{_by_code(actor)}",
        )


def _by_code(actor) -> str:
    # An answer with no account came through the tracking code: say so, as the history's actor cannot.
    return "" if actor is not None else " by the customer with the tracking code"


# --- The final cost ---------------------------------------------------------------------------------


def final_cost_check(repair: RepairRequest, amount: Decimal) -> None:
    """
    A final cost may not exceed the approved quote (409 `quote_exceeded`): more work needs a revised
    quote and a new approval. With no approved quote nothing was agreed, so nothing above 0 is.
    """
    limit = repair.approved_total if repair.approved_total is not None else Decimal("0.00")
    if amount > limit:
        raise QuoteExceeded(
            f"The final cost {amount} is above the approved quote ({limit}): send a revised quote for approval first."
        )

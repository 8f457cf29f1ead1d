"""
The repair status machine: one table of moves (`TRANSITIONS`) and one function that makes a move
(`repair_transition`). It locks the ticket, checks the table and the move's own condition, runs what
the move does to stock, and records the history row, the outbox event and the customer's email.
Quotes, parts, payments and warranty call it; nothing else writes `RepairRequest.status`.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.dates import store_today
from core.exceptions import InvalidTransition
from core.store import store_config
from repairs import events, notifications
from repairs.models import QuoteStatus, RepairRequest, RepairStatus, RepairStatusEvent
from repairs.services import parts

S = RepairStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.DIAGNOSING, S.CANCELLED}),
    # Straight to repair only for work with nothing to approve (a warranty claim).
    S.DIAGNOSING: frozenset({S.AWAITING_APPROVAL, S.IN_REPAIR, S.CANCELLED}),
    # Approved: to repair, or to wait for a part out of stock; declined: back to diagnosis, or cancelled.
    S.AWAITING_APPROVAL: frozenset({S.AWAITING_PARTS, S.IN_REPAIR, S.DIAGNOSING, S.CANCELLED}),
    S.AWAITING_PARTS: frozenset({S.IN_REPAIR, S.CANCELLED}),
    # A revised quote (more work found) goes back to the customer for approval.
    S.IN_REPAIR: frozenset({S.READY_FOR_PICKUP, S.AWAITING_PARTS, S.AWAITING_APPROVAL, S.CANCELLED}),
    # The customer found a problem at the counter: back to the bench.
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED, S.IN_REPAIR, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}


def allowed_moves(repair: RepairRequest) -> list[str]:
    """The statuses `repair` may move to next, in the order of the lifecycle (admin buttons, error messages)."""
    return [to for to in RepairStatus.values if _move_problem(repair, to) is None]


def _move_problem(repair: RepairRequest, to: str) -> str | None:
    if to == repair.status:
        return f"This repair is already {repair.get_status_display().lower()}."
    if to not in TRANSITIONS[repair.status]:
        return f"A repair that is {repair.status} cannot become {to}."
    return _quote_problem(repair, to)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


actor_or_none = _actor  # for the quotes, parts and warranty services


def repair_transition(
    *, repair: RepairRequest, to: str, actor=None, note: str = "", changes: dict | None = None
) -> RepairRequest:
    """Move `repair` to `to` if the table allows it (else 409 `invalid_transition`); returns it as it now is."""
    with transaction.atomic():
        repair = RepairRequest.objects.select_for_update().get(pk=repair.pk)
        problem = _move_problem(repair, to)
        if problem:
            raise InvalidTransition(problem)
        old = repair.status
        _move_effects(repair=repair, to=to, actor=_actor(actor))
        repair.status = to
        repair.status_changed_at = timezone.now()
        for field, value in (changes or {}).items():
            setattr(repair, field, value)
        repair.save()
        RepairStatusEvent.objects.create(
            repair=repair, from_status=old, status=to, note=note[:500], actor=_actor(actor)
        )
        events.status_changed(repair=repair, actor=_actor(actor), old=old, new=to, note=note)
        notifications.repair_status_email(repair, old, to, note=note)  # sent on commit, customer-visible statuses only
    return repair


# --- Quotes, parts and warranty: the moves' conditions and effects ------------------------------------
# (`repairs.services.quotes`, `parts`, `warranty`; README "Quotes, parts and warranty")


def _quote_problem(repair: RepairRequest, to: str) -> str | None:
    """The customer approves a quote, never a bare status: `awaiting_approval` is entered and left through one."""
    if to == S.AWAITING_APPROVAL and not repair.quotes.filter(status=QuoteStatus.SENT).exists():
        return "Send a quote first: a repair awaits approval of a quote the customer was sent."
    if (
        repair.status == S.AWAITING_APPROVAL
        and to in (S.IN_REPAIR, S.AWAITING_PARTS)
        and repair.quotes.filter(status=QuoteStatus.SENT).exists()
    ):
        return "The customer has not approved the quote yet (approve-quote)."
    return None


def _move_effects(*, repair: RepairRequest, to: str, actor) -> None:
    """What a move does besides changing the status; runs on the locked row, before it is saved."""
    if repair.status == S.AWAITING_APPROVAL:
        # Left without an answer (cancelled, or taken back to diagnosis by the desk): the quote can no
        # longer be approved, so it is closed as declined on the customer's behalf.
        repair.quotes.filter(status=QuoteStatus.SENT).update(
            status=QuoteStatus.DECLINED, decided_at=timezone.now(), decided_by=actor, updated_at=timezone.now()
        )
    if to == S.IN_REPAIR:
        parts.parts_reserve_outstanding(repair=repair, actor=actor)  # all or none: 409 out_of_stock
    elif to == S.CANCELLED:
        parts.parts_release(repair=repair, actor=actor, note="repair cancelled")
    elif to == S.COMPLETED:
        parts.parts_use(repair=repair, actor=actor)
        repair.completed_at = timezone.now()
        if not repair.is_warranty_claim:  # a claim keeps its original's date: the clock never restarts
            repair.warranty_until = store_today() + timedelta(days=store_config().repair_warranty_days)

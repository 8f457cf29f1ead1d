"""
Reads of the repair desk. `repairs_visible_to` is the one place that decides who sees which
ticket; every view that finds a repair by id goes through it (another customer's → 404).
"""

from django.db.models import Prefetch, Q, QuerySet

from repairs.models import (
    QuoteStatus,
    RepairNote,
    RepairPart,
    RepairQuote,
    RepairRequest,
    RepairStatusEvent,
)
from repairs.roles import works_at_desk

# Codes are stored upper case; a customer may type them in any case, with spaces around.
MAX_CODE_LENGTH = 20


def _with_body() -> QuerySet[RepairRequest]:
    """Tickets with everything their body shows, so a page of them costs the same few queries at any size."""
    return RepairRequest.objects.select_related("assigned_technician", "user").prefetch_related(
        Prefetch("history", queryset=RepairStatusEvent.objects.select_related("actor")),
        Prefetch("notes", queryset=RepairNote.objects.select_related("author")),
        Prefetch("parts", queryset=RepairPart.objects.select_related("variant")),
        Prefetch(
            "quotes",
            queryset=RepairQuote.objects.exclude(status=QuoteStatus.DRAFT).prefetch_related("lines"),
            to_attr="shown_quotes",
        ),
    )


def repairs_visible_to(user) -> QuerySet[RepairRequest]:
    """Every ticket for the desk (technicians, staff, admins); a customer's own; nothing for anyone else."""
    if works_at_desk(user):
        return _with_body()
    if user is None or not getattr(user, "is_authenticated", False):
        return RepairRequest.objects.none()
    return _with_body().filter(user=user)


def repair_search(repairs: QuerySet[RepairRequest], *, text: str) -> QuerySet[RepairRequest]:
    """Tickets whose tracking code, serial/IMEI or contact details contain `text`: the desk finds a caller's device."""
    text = text.strip()[:100]
    if not text:
        return repairs
    return repairs.filter(
        Q(tracking_code__icontains=text) | Q(serial_number__icontains=text) | Q(contact_name__icontains=text)
        | Q(contact_phone__icontains=text) | Q(contact_email__icontains=text)
    )  # fmt: skip


def repair_by_tracking_code(code: str) -> RepairRequest | None:
    """The ticket a tracking code names (any case), or None: the public tracking page's only key."""
    code = (code or "").strip().upper()
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    return _with_body().filter(tracking_code=code).first()


def latest_shown_quote(repair: RepairRequest) -> RepairQuote | None:
    """
    The newest quote version the customer was sent (sent, approved or declined). Drafts are work in
    progress at the desk (`GET repairs/{id}/quote`): no one is shown a price before it is finished.
    """
    quotes = getattr(repair, "shown_quotes", None)
    if quotes is None:
        quotes = list(repair.quotes.exclude(status=QuoteStatus.DRAFT).prefetch_related("lines"))
    return max(quotes, key=lambda quote: quote.version, default=None)


# --- Quotes (GET repairs/{id}/quote) ------------------------------------------------------------------


def quote_current(repair: RepairRequest, *, include_draft: bool) -> RepairQuote | None:
    """What `GET repairs/{id}/quote` shows: the draft being prepared (to the desk only), else `latest_shown_quote`."""
    if include_draft:
        draft = repair.quotes.filter(status=QuoteStatus.DRAFT).prefetch_related("lines").first()
        if draft is not None:
            return draft
    return latest_shown_quote(repair)

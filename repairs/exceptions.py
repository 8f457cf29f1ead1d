"""The repair desk's business errors: each carries the `code` API.md names."""

from core.exceptions import ConflictError
from core.exceptions import InvalidTransition as InvalidTransition  # the status machines' one error


class QuoteExceeded(ConflictError):
    default_detail = "The final cost is above the approved quote: send a revised quote for approval first."
    default_code = "quote_exceeded"


class WarrantyExpired(ConflictError):
    default_detail = "The warranty of this repair has ended."
    default_code = "warranty_expired"

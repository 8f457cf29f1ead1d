"""
The repair's tracking link as a QR code, for the job card: made on the server (no script, no outside
service) from the one tracking URL every email carries (`repairs.notifications.tracking_url`).
"""

import segno
from django.utils.safestring import SafeString, mark_safe

from repairs.models import RepairRequest
from repairs.notifications import tracking_url


def tracking_qr_svg(repair: RepairRequest, *, scale: int = 4) -> SafeString:
    """
    The tracking URL of `repair` as an inline SVG QR code. Always a full QR code, never a Micro QR
    (segno's choice for short data), which phones rarely read; error correction M survives a creased
    or smudged receipt.
    """
    code = segno.make_qr(tracking_url(repair), error="m")
    # A viewBox instead of a fixed size: the page's CSS sizes it, on screen and on paper.
    svg = code.svg_inline(
        scale=scale, border=4, omitsize=True, svgclass="qr", title=f"Tracking QR code for {repair.tracking_code}"
    )
    # segno escapes the title and writes only its own markup, so the SVG is safe to embed as is.
    return mark_safe(svg)  # noqa: S308

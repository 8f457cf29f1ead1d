"""
Links to a repair that leave the shop: the customer's tracking page, as a URL and as a QR code.

The URL is `REPAIR_TRACKING_URL` with the tracking code in it (by default the public tracking API
under `PUBLIC_BASE_URL`; a storefront sets its own page), built here once for the job card and
anything else that hands the customer the link.
"""

from urllib.parse import quote

import segno
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe


def tracking_url(tracking_code: str) -> str:
    """The public page where anyone holding `tracking_code` follows the repair."""
    return settings.REPAIR_TRACKING_URL.format(code=quote(tracking_code, safe=""))


def tracking_qr_svg(tracking_code: str, *, scale: int = 4) -> SafeString:
    """
    The tracking URL as an inline SVG QR code, made on the server (no script, no outside service).
    Always a full QR code, never a Micro QR (segno's choice for short data), which phones rarely read;
    error correction M survives a creased or smudged receipt.
    """
    code = segno.make_qr(tracking_url(tracking_code), error="m")
    # segno escapes the title and writes only its own markup, so the SVG is safe to embed as is.
    # A viewBox instead of a fixed size: the page's CSS sizes it, on screen and on paper.
    svg = code.svg_inline(
        scale=scale, border=4, omitsize=True, svgclass="qr", title=f"Tracking QR code for {tracking_code}"
    )
    return mark_safe(svg)  # noqa: S308

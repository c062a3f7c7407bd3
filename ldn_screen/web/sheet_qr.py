"""The printed sheet's QR code: the calendar file's address, for the patient's phone.

Only where the deployment names its public https address (``LDN_PUBLIC_URL``): a phone
cannot reach an intranet-only address, and a code that leads nowhere is worse than none. The
code holds that address and the path of the calendar file with the plan's parameters, the
same non-identifying ones the printed sheet's own address already carries; never an answer.
segno is imported only when a code is drawn, so a serving worker that never draws one stays
small.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from markupsafe import Markup, escape

from ..rules.dose_reminders import QR_ALT, QR_CAPTION

# M (15% recovery) keeps the code small enough to print beside the title and still read
# from a slightly creased or smudged sheet.
ERROR_LEVEL = "m"


@dataclass(frozen=True, slots=True)
class SheetQr:
    """The code as inline SVG (with its text alternative), and the words printed beside it."""

    svg: Markup
    caption: str = QR_CAPTION


def public_address(path: str) -> str | None:
    """The public https address of an app path (from ``url_for``), or None if not set."""
    base: str | None = current_app.config.get("LDN_PUBLIC_URL")
    if not base:
        return None
    # url_for's path starts with the mount point; the public address already stands for it.
    return base + path.removeprefix(request.script_root)


def calendar_qr(calendar_path: str) -> SheetQr | None:
    """An inline SVG QR code for the calendar file, or None without a public address."""
    address = public_address(calendar_path)
    if address is None:
        return None
    import segno  # lazily: see the module docstring

    code = segno.make(address, error=ERROR_LEVEL, micro=False)
    # A viewBox without a fixed size, so the print CSS sets the size; no inline style (CSP).
    svg = code.svg_inline(omitsize=True, svgclass="qr-code", lineclass=None, title=QR_ALT)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(QR_ALT)}" ', 1)
    # segno's own markup; the only text in it is QR_ALT, escaped.
    return SheetQr(Markup(svg))  # noqa: S704  # nosec B704

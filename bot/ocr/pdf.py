"""PDFs: refusing the ones that need a password, and rendering pages as images.

NHN reads only the first page of a PDF, so a multi-page PDF is rendered page by page
for each page to be analysed on its own. Synchronous and CPU-bound like the rest of
preflight: callers run it with asyncio.to_thread.
"""

import math
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from PIL import Image

from bot.errors import PasswordProtectedPdf, UnreadablePdf
from bot.ocr.image_work import MemoryBudget
from bot.ocr.images import encode_within

RENDER_DPI = 200
# Caps the render of an oversized page (A2 at 200 dpi is 15.5 MP); smaller pages are untouched.
MAX_PAGE_PIXELS = 16_000_000
# A render holds PDFium's RGBX bitmap and its RGB copy (four bytes a pixel each); then,
# while it is encoded, the copy and a shrunk copy of it: eight bytes a pixel at most.
RENDER_BYTES_PER_PIXEL = 8
_POINTS_PER_INCH = 72
# PDFium is not thread-safe, not even across documents, and preflight runs in worker threads:
# every PDFium call happens under this lock.
_PDFIUM = threading.Lock()
# A trailer's /Encrypt entry: an encrypted document, even when PDFium cannot parse the rest.
_ENCRYPT_ENTRY = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")


@dataclass(frozen=True, slots=True)
class PdfPages:
    """The first pages of a PDF as JPEG or PNG images, and how many pages it has in all."""

    pages: tuple[bytes, ...] = field(repr=False)
    total: int


def refuse_locked(data: bytes) -> None:
    """Raise PasswordProtectedPdf when `data` cannot be opened without a password.

    A PDF with only an owner password (printing or editing restricted) opens for anyone
    and passes. One PDFium cannot parse at all passes too: NHN judges it.
    """
    with _PDFIUM:
        try:
            document = _open(data)
        except UnreadablePdf:
            return
        document.close()


def page_count(data: bytes) -> int:
    """How many pages the PDF has. Raises PasswordProtectedPdf or UnreadablePdf."""
    with _PDFIUM:
        document = _open(data)
        try:
            return len(document)
        finally:
            document.close()


def pdf_pages(
    data: bytes, max_pages: int, max_bytes: int, budget: MemoryBudget | None = None
) -> PdfPages:
    """Render up to `max_pages` pages at about RENDER_DPI, each within `max_bytes`.

    Each page waits for its bytes of `budget` (without one, it is held to a budget of its
    own of the default size); a page too large for the whole budget is rendered smaller.
    Raises PasswordProtectedPdf, UnreadablePdf, or FileTooLarge for a page that cannot
    be made small enough.
    """
    budget = budget or MemoryBudget()
    with _PDFIUM:
        document = _open(data)
        total = len(document)
    try:
        pages: list[bytes] = []
        for index in range(min(total, max_pages)):
            with _PDFIUM:
                scale, pixels = _render_scale(document, index, budget)
            # The budget before the lock: whoever holds bytes may need the lock to finish.
            # Rounding each side up may pass a budget-sized page by a row: not worth refusing.
            with budget.reserve(min(pixels * RENDER_BYTES_PER_PIXEL, budget.total_bytes)):
                # One page at a time, and the lock only while PDFium works, not while encoding.
                with _PDFIUM:
                    image = _render(document, index, scale)
                pages.append(encode_within(image, max_bytes, lossless=True).data)
    finally:
        with _PDFIUM:
            document.close()
    return PdfPages(pages=tuple(pages), total=total)


@cache
def _pdfium() -> Any:
    """pypdfium2, imported on the first PDF: PDFium costs some 9 MB that a process reading
    only images never needs."""
    import pypdfium2  # type: ignore[import-untyped]

    return pypdfium2


def _open(data: bytes) -> Any:
    """A pdfium.PdfDocument; call with _PDFIUM held."""
    pdfium = _pdfium()
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        locked = {pdfium.raw.FPDF_ERR_PASSWORD, pdfium.raw.FPDF_ERR_SECURITY}
        if error.err_code in locked or _ENCRYPT_ENTRY.search(data):
            raise PasswordProtectedPdf("pdf: a password is needed to open it") from None
        raise UnreadablePdf(f"pdf: PDFium cannot open it (error {error.err_code})") from None


def _render_scale(document: Any, index: int, budget: MemoryBudget) -> tuple[float, int]:
    """The render scale of page `index` (pixels per point) and the pixels it renders to:
    RENDER_DPI, capped by MAX_PAGE_PIXELS and by what the whole budget holds. Call with
    _PDFIUM held."""
    page = document[index]
    try:
        width_pt, height_pt = page.get_size()
    finally:
        page.close()
    area_pt = max(1.0, width_pt * height_pt)
    most_pixels = min(MAX_PAGE_PIXELS, budget.total_bytes // RENDER_BYTES_PER_PIXEL)
    scale = min(RENDER_DPI / _POINTS_PER_INCH, math.sqrt(most_pixels / area_pt))
    # PDFium rounds each side up: count the pixels it will make.
    return scale, math.ceil(width_pt * scale) * math.ceil(height_pt * scale)


def _render(document: Any, index: int, scale: float) -> Image.Image:
    """Page `index` as an RGB image on white; call with _PDFIUM held."""
    page = document[index]
    try:
        # RGBX, which Pillow shares rather than copies: one copy less than PDFium's BGR.
        bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
        try:
            # A copy: the bitmap's buffer is freed when it is closed.
            image: Image.Image = bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()
    return image

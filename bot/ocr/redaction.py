"""A copy of a card photo that is safe to keep in the thread: only the last four digits show.

Boxes come from NHN's answer and are in the pixels of the image that was sent, so the
copy is made from exactly those bytes, at the size Slack shows it: a JPEG is decoded in
draft mode at the smallest scale that still covers that size, and the boxes are scaled
to the copy's pixels.
"""

import io
import logging
from collections.abc import Sequence

from PIL import Image, ImageDraw

from bot.domain.card import SHOWN_DIGITS
from bot.ocr.image_work import BeyondBudget, MemoryBudget, pixel_bytes
from bot.ocr.models import Box, CardResult

log = logging.getLogger(__name__)

Point = tuple[float, float]
_PAD = 0.15  # of a box's height, so the edges of digits are covered too
_COVER = (20, 20, 20)
# Slack's largest inline preview (thumb_1024): more pixels are never seen in the thread,
# and cost a full-size decode and encode (about 75 ms for a 12 MP photo).
SHOWN_LONG_SIDE = 1024


def redact_card_image(
    image: bytes,
    number_boxes: Sequence[Box],
    expiry_box: Box | None,
    *,
    last_group_digits: int,
    budget: MemoryBudget | None = None,
) -> bytes:
    """Cover every number group but the last four digits, and the expiry; return a JPEG.

    The last group keeps only its rightmost four digits visible (Amex ends with a
    five-digit group). The JPEG carries no metadata from the original. The decode waits
    for its bytes of `budget`; raises BeyondBudget when the photo alone needs more.
    """
    budget = budget or MemoryBudget()
    with Image.open(io.BytesIO(image)) as original:
        sent_size = original.size
        shown = _shown_size(sent_size)
        original.draft("RGB", shown)  # JPEG only: 1/2, 1/4 or 1/8 scale, still covering `shown`
        # The decoded photo and its RGB copy at the size shown.
        needed = pixel_bytes(original.mode, original.size) + pixel_bytes("RGB", shown)
        with budget.reserve(needed):
            copy = original.convert("RGB")
            original.close()
            if copy.size != shown:
                copy = copy.resize(shown, Image.Resampling.BILINEAR, reducing_gap=2.0)
            scale = (shown[0] / sent_size[0], shown[1] / sent_size[1])
            return _covered(
                copy,
                [_scaled(box, scale) for box in number_boxes],
                None if expiry_box is None else _scaled(expiry_box, scale),
                last_group_digits,
            )


def _shown_size(size: tuple[int, int]) -> tuple[int, int]:
    """`size` within SHOWN_LONG_SIDE, keeping its proportions; never enlarged.

    >>> _shown_size((4032, 3024)), _shown_size((800, 500))
    ((1024, 768), (800, 500))
    """
    width, height = size
    factor = SHOWN_LONG_SIDE / max(width, height)
    if factor >= 1:
        return size
    return max(1, round(width * factor)), max(1, round(height * factor))


def _scaled(box: Box, scale: tuple[float, float]) -> Box:
    """`box` in the pixels of an image scaled by `scale` (horizontally, vertically)."""
    sx, sy = scale
    return Box(
        x1=box.x1 * sx,
        y1=box.y1 * sy,
        x2=box.x2 * sx,
        y2=box.y2 * sy,
        x3=box.x3 * sx,
        y3=box.y3 * sy,
        x4=box.x4 * sx,
        y4=box.y4 * sy,
    )


def _covered(
    copy: Image.Image, number_boxes: Sequence[Box], expiry_box: Box | None, last_group_digits: int
) -> bytes:
    draw = ImageDraw.Draw(copy)
    if number_boxes:
        *covered, last = number_boxes
        for box in covered:
            draw.polygon(_padded(_corners(box)), fill=_COVER)
        if last_group_digits > SHOWN_DIGITS:
            hidden = (last_group_digits - SHOWN_DIGITS) / last_group_digits
            draw.polygon(_padded(_left_part(_corners(last), hidden)), fill=_COVER)
    if expiry_box is not None:
        draw.polygon(_padded(_corners(expiry_box)), fill=_COVER)
    output = io.BytesIO()
    copy.save(output, "JPEG", quality=85)
    return output.getvalue()


def redacted_copy(result: CardResult, budget: MemoryBudget | None = None) -> bytes | None:
    """The safe copy of the photo NHN read, or None when its boxes cannot be trusted to
    cover the number (none given, or not one box per group of digits) or the photo alone
    needs more memory than the whole `budget`."""
    image, boxes, groups = result.sent_image, result.card_num_boxes, result.card_nums
    if image is None or not boxes or len(boxes) != len(groups):
        return None
    last_group_digits = len(groups[-1].value.get_secret_value())
    try:
        return redact_card_image(
            image,
            boxes,
            result.valid_thru_box,
            last_group_digits=last_group_digits,
            budget=budget,
        )
    except BeyondBudget:
        log.warning("No redacted copy: the photo sent needs more than the image memory budget")
        return None


def _corners(box: Box) -> list[Point]:
    # NHN orders them top-left, top-right, bottom-right, bottom-left.
    return [(box.x1, box.y1), (box.x2, box.y2), (box.x3, box.y3), (box.x4, box.y4)]


def _left_part(corners: list[Point], fraction: float) -> list[Point]:
    top_left, top_right, bottom_right, bottom_left = corners
    return [
        top_left,
        _between(top_left, top_right, fraction),
        _between(bottom_left, bottom_right, fraction),
        bottom_left,
    ]


def _between(a: Point, b: Point, fraction: float) -> Point:
    return (a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction)


def _padded(corners: list[Point]) -> list[Point]:
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    pad = (max(ys) - min(ys)) * _PAD
    centre = (sum(xs) / 4, sum(ys) / 4)
    return [
        (x + pad if x > centre[0] else x - pad, y + pad if y > centre[1] else y - pad)
        for x, y in corners
    ]

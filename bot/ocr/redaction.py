"""A copy of a card photo that is safe to keep in the thread: only the last four digits show.

Boxes come from NHN's answer and are in the pixels of the image that was sent, so the
copy is made from exactly those bytes, no larger than Slack shows it: reduced by whole
factors only (a JPEG in its decoder, at 1/2, 1/4 or 1/8 scale; anything else by box
averages), and the boxes scaled to the copy's pixels.
"""

import io
import logging
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

from bot.domain.card import SHOWN_DIGITS
from bot.ocr.image_work import BeyondBudget, MemoryBudget, pixel_bytes
from bot.ocr.models import Box, CardResult, ShownCopy

log = logging.getLogger(__name__)

Point = tuple[float, float]
_PAD = 0.15  # of a box's height, so the edges of digits are covered too
_COVER = (20, 20, 20)
# Slack's largest inline preview (thumb_1024): more pixels are never seen in the thread,
# and cost a full-size decode and encode (about 75 ms for a 12 MP photo). The copy's long
# side is at most this and more than half of it: a 12 MP photo's is 1008 px (1/4 scale),
# since resampling it to exactly 1024 px would cost more than the rest of the copy.
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
        # JPEG only: the decoder reduces by 1/2, 1/4 or 1/8, as far as the factor allows.
        original.draft("RGB", reduced_size(sent_size, shown_factor(sent_size)))
        factor = shown_factor(original.size)  # what the decoder left to do
        shown = reduced_size(original.size, factor)
        # The decoded photo and its RGB copy at the size shown.
        needed = pixel_bytes(original.mode, original.size) + pixel_bytes("RGB", shown)
        with budget.reserve(needed):
            copy = shown_copy(original)
            if copy is not original:
                original.close()  # frees the decoded pixels before the copy is encoded
            return _covered(copy, sent_size, number_boxes, expiry_box, last_group_digits)


def redact_shown_copy(
    shown: ShownCopy,
    number_boxes: Sequence[Box],
    expiry_box: Box | None,
    *,
    last_group_digits: int,
    budget: MemoryBudget | None = None,
) -> bytes:
    """`redact_card_image` from the copy the preflight kept: nothing is decoded, and
    `shown` is left as it was."""
    budget = budget or MemoryBudget()
    with budget.reserve(pixel_bytes("RGB", shown.pixels.size)):
        return _covered(
            shown.pixels.copy(), shown.sent_size, number_boxes, expiry_box, last_group_digits
        )


def shown_copy(image: Image.Image) -> Image.Image:
    """`image`, decoded, in RGB and reduced by `shown_factor`: the copy's pixels. `image`
    itself when it needs neither."""
    copy = image if image.mode == "RGB" else image.convert("RGB")
    factor = shown_factor(copy.size)
    return copy.reduce(factor) if factor > 1 else copy


def shown_factor(size: tuple[int, int]) -> int:
    """The least whole factor that brings `size` within SHOWN_LONG_SIDE.

    >>> shown_factor((4032, 3024)), shown_factor((2016, 1512)), shown_factor((800, 500))
    (4, 2, 1)
    """
    return max(1, math.ceil(max(size) / SHOWN_LONG_SIDE))


def reduced_size(size: tuple[int, int], factor: int) -> tuple[int, int]:
    """`size` reduced by `factor`, as JPEG's decoder and Image.reduce round it: up.

    >>> reduced_size((4032, 3024), 4), reduced_size((1001, 3), 2)
    ((1008, 756), (501, 2))
    """
    return -(-size[0] // factor), -(-size[1] // factor)


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
    copy: Image.Image,
    sent_size: tuple[int, int],
    sent_number_boxes: Sequence[Box],
    sent_expiry_box: Box | None,
    last_group_digits: int,
) -> bytes:
    """Cover `copy` where the boxes, in the pixels of the `sent_size` image, fall on it."""
    scale = (copy.width / sent_size[0], copy.height / sent_size[1])
    number_boxes = [_scaled(box, scale) for box in sent_number_boxes]
    expiry_box = None if sent_expiry_box is None else _scaled(sent_expiry_box, scale)
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
    shown = result.sent_shown_copy
    try:
        if shown is not None:
            return redact_shown_copy(
                shown,
                boxes,
                result.valid_thru_box,
                last_group_digits=last_group_digits,
                budget=budget,
            )
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

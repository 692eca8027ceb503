"""The redacted copy of a card photo: only the last four digits show, or no copy at all."""

import io
from typing import Any

import pytest
from PIL import Image

from bot.config import MB
from bot.ocr.image_work import MemoryBudget
from bot.ocr.models import Box, CardResult, DocumentKind, FileType, PreparedFile
from bot.ocr.preflight import prepare
from bot.ocr.redaction import SHOWN_LONG_SIDE, redact_card_image, redacted_copy
from tests.ocr.images import counting_decodes, encode, noise

INK = (200, 30, 30)


def box(left: int, top: int, right: int, bottom: int) -> Box:
    return Box(x1=left, y1=top, x2=right, y2=top, x3=right, y3=bottom, x4=left, y4=bottom)


def card_photo(boxes: list[Box]) -> bytes:
    image = Image.new("RGB", (800, 500), "white")
    for b in boxes:
        image.paste(INK, (int(b.x1), int(b.y1), int(b.x3), int(b.y3)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def colour_at(jpeg: bytes, x: int, y: int) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(jpeg)) as image:
        red, green, blue = image.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return red, green, blue


def is_ink(colour: tuple[int, int, int]) -> bool:
    return colour[0] > 150 and colour[1] < 90


GROUPS = [
    box(60, 250, 200, 300),
    box(230, 250, 370, 300),
    box(400, 250, 540, 300),
    box(570, 250, 710, 300),
]
EXPIRY = box(300, 340, 420, 380)


def test_only_the_last_group_and_nothing_else_of_the_number_shows() -> None:
    photo = card_photo([*GROUPS, EXPIRY])
    redacted = redact_card_image(photo, GROUPS, EXPIRY, last_group_digits=4)
    for group in GROUPS[:3]:
        assert not is_ink(colour_at(redacted, int(group.x1 + 70), 275))
    assert is_ink(colour_at(redacted, 640, 275))
    assert not is_ink(colour_at(redacted, 360, 360))  # the expiry
    assert colour_at(redacted, 30, 30)[0] > 240  # the rest of the card is untouched


def test_an_amex_last_group_keeps_only_four_of_its_five_digits() -> None:
    amex = [box(60, 250, 200, 300), box(230, 250, 440, 300), box(470, 250, 645, 300)]
    redacted = redact_card_image(card_photo(amex), amex, None, last_group_digits=5)
    assert not is_ink(colour_at(redacted, 480, 275))  # the fifth-last digit
    assert is_ink(colour_at(redacted, 620, 275))


def test_the_copy_carries_no_metadata_of_the_original() -> None:
    image = Image.new("RGB", (400, 250), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    redacted = redact_card_image(
        buffer.getvalue(), [box(10, 10, 50, 30)], None, last_group_digits=4
    )
    with Image.open(io.BytesIO(redacted)) as copy:
        assert dict(copy.getexif()) == {}


def card_result(
    groups: list[str], boxes: list[Box], *, sent: bytes | None, kept: PreparedFile | None = None
) -> CardResult:
    """What the OCR client returns: NHN's answer, with the image it read kept beside it
    (`sent`, as an 800 x 500 PNG, or the preflight's own upload, `kept`)."""
    answer: dict[str, Any] = {
        "cardNums": [{"value": group, "conf": 0.97} for group in groups],
        "cardNumBoxes": [b.model_dump() for b in boxes],
        "validThruBox": EXPIRY.model_dump(),
    }
    result = CardResult.model_validate(answer)
    if sent is not None:
        result.keep_sent(PreparedFile(sent, "card.png", "image/png", FileType.PNG, 800, 500, False))
    if kept is not None:
        result.keep_sent(kept)
    return result


VISA = ["4012", "8888", "8888", "1881"]


def test_a_copy_is_made_when_there_is_one_box_per_group() -> None:
    copy = redacted_copy(card_result(VISA, GROUPS, sent=card_photo([*GROUPS, EXPIRY])))
    assert copy is not None
    assert not is_ink(colour_at(copy, int(GROUPS[0].x1 + 70), 275))
    assert is_ink(colour_at(copy, 640, 275))


@pytest.mark.parametrize(
    ("groups", "boxes"),
    [
        (VISA, GROUPS[:3]),  # a group NHN gave no box for would show in full
        (VISA, [*GROUPS, box(720, 250, 790, 300)]),  # which box holds which group is unknown
        (VISA, [box(60, 250, 710, 300)]),  # one box around the whole number
        (VISA, []),
        (["4012", "8888"], GROUPS),  # fewer groups read than boxes
    ],
)
def test_no_copy_when_the_boxes_do_not_match_the_groups(
    groups: list[str], boxes: list[Box]
) -> None:
    assert redacted_copy(card_result(groups, boxes, sent=card_photo([*GROUPS, EXPIRY]))) is None


def test_no_copy_without_the_image_nhn_read() -> None:
    # The boxes are in the pixels of the image sent; another image would be covered wrongly.
    assert redacted_copy(card_result(VISA, GROUPS, sent=None)) is None


def test_no_copy_of_a_photo_that_alone_needs_more_than_the_memory_budget() -> None:
    result = card_result(VISA, GROUPS, sent=card_photo([*GROUPS, EXPIRY]))
    # 800 x 500 decoded and its RGB copy: 3.2 MB.
    assert redacted_copy(result, MemoryBudget(3_000_000)) is None
    assert redacted_copy(result, MemoryBudget(3_200_000)) is not None


def scaled_up(boxes: list[Box], size: tuple[int, int]) -> list[Box]:
    """GROUPS, drawn on an 800 x 500 card, as they lie on the same card photographed at `size`."""
    sx, sy = size[0] / 800, size[1] / 500
    return [
        box(round(b.x1 * sx), round(b.y1 * sy), round(b.x3 * sx), round(b.y3 * sy)) for b in boxes
    ]


def photo_of(groups: list[Box], size: tuple[int, int], file_format: str) -> bytes:
    image = Image.new("RGB", size, "white")
    for b in groups:
        image.paste(INK, (int(b.x1), int(b.y1), int(b.x3), int(b.y3)))
    return encode(image, file_format, **({"quality": 90} if file_format == "JPEG" else {}))


def assert_only_the_last_group_shows(redacted: bytes, groups: list[Box], scale: float) -> None:
    """`groups` are in the pixels of the photo sent; the copy is `scale` times its size."""
    for group in groups[:3]:
        centre = ((group.x1 + group.x3) / 2 * scale, (group.y1 + group.y3) / 2 * scale)
        assert not is_ink(colour_at(redacted, round(centre[0]), round(centre[1])))
    last = groups[-1]
    centre = ((last.x1 + last.x3) / 2 * scale, (last.y1 + last.y3) / 2 * scale)
    assert is_ink(colour_at(redacted, round(centre[0]), round(centre[1])))


def test_a_phone_photo_is_decoded_once_at_a_quarter_scale_with_its_boxes_scaled() -> None:
    # A 12 MP JPEG sent unchanged: JPEG's decoder reduces it to within the size shown,
    # with nothing resampled after it, and its boxes are scaled to the copy.
    groups = scaled_up(GROUPS, (4032, 2520))
    photo = photo_of(groups, (4032, 2520), "JPEG")
    with counting_decodes() as decodes:
        redacted = redact_card_image(photo, groups, None, last_group_digits=4)
    assert decodes == [(1008, 630)]
    with Image.open(io.BytesIO(redacted)) as copy:
        assert copy.size == (1008, 630)
    assert_only_the_last_group_shows(redacted, groups, 1008 / 4032)


def test_a_re_encoded_photo_is_decoded_at_half_scale() -> None:
    # What the preflight sends of a photo it turned or shrank: 2016 x 1512.
    groups = scaled_up(GROUPS, (2016, 1512))
    with counting_decodes() as decodes:
        redacted = redact_card_image(
            photo_of(groups, (2016, 1512), "JPEG"), groups, None, last_group_digits=4
        )
    assert decodes == [(1008, 756)]
    assert_only_the_last_group_shows(redacted, groups, 1 / 2)


def test_a_large_png_is_reduced_to_within_the_size_shown() -> None:
    # PNG has no reduced decode: the copy is the whole image reduced by box averages, here
    # by 3 (2 would leave 1250 px), and the boxes land where the digits went.
    groups = scaled_up(GROUPS, (2500, 1500))
    redacted = redact_card_image(
        photo_of(groups, (2500, 1500), "PNG"), groups, None, last_group_digits=4
    )
    with Image.open(io.BytesIO(redacted)) as copy:
        assert copy.size == (834, 500)
        assert SHOWN_LONG_SIDE / 2 < max(copy.size) <= SHOWN_LONG_SIDE
    assert_only_the_last_group_shows(redacted, groups, 834 / 2500)


def test_a_photo_within_the_size_shown_keeps_its_size() -> None:
    redacted = redact_card_image(card_photo(GROUPS), GROUPS, None, last_group_digits=4)
    with Image.open(io.BytesIO(redacted)) as copy:
        assert copy.size == (800, 500)


def card_stored_portrait(size: tuple[int, int], background: Image.Image | None = None) -> bytes:
    """A landscape card photo of `size` with GROUPS in ink, as a phone held on its side
    stores it: portrait pixels, no EXIF. The preflight turns it back counter-clockwise."""
    image = background.copy() if background is not None else Image.new("RGB", size, "white")
    for b in scaled_up(GROUPS, size):
        image.paste(INK, (int(b.x1), int(b.y1), int(b.x3), int(b.y3)))
    return encode(image.transpose(Image.Transpose.ROTATE_270), "JPEG", quality=90)


def nhn_read(upload: PreparedFile) -> CardResult:
    """NHN's answer for `upload`: GROUPS where they lie in the pixels it was sent."""
    assert upload.width is not None
    assert upload.height is not None
    return card_result(
        VISA, scaled_up(GROUPS, (upload.width, upload.height)), sent=None, kept=upload
    )


def test_a_card_that_was_turned_is_decoded_once_from_upload_to_redacted_copy() -> None:
    with counting_decodes() as decodes:
        upload = prepare(card_stored_portrait((2400, 1500)), "card.jpg", DocumentKind.CARD, 5 * MB)
        redacted = redacted_copy(nhn_read(upload))
    assert (upload.width, upload.height) == (1200, 750)  # decoded at half scale, turned
    assert decodes == [(750, 1200)]
    assert redacted is not None
    with Image.open(io.BytesIO(redacted)) as copy:
        assert copy.size == (600, 375)
    assert_only_the_last_group_shows(redacted, scaled_up(GROUPS, (1200, 750)), 1 / 2)


def test_the_kept_copy_is_covered_where_the_sent_image_would_be() -> None:
    upload = prepare(card_stored_portrait((2400, 1500)), "card.jpg", DocumentKind.CARD, 5 * MB)
    groups = scaled_up(GROUPS, (1200, 750))
    from_kept = redacted_copy(nhn_read(upload))
    from_sent = redact_card_image(upload.data, groups, None, last_group_digits=4)
    assert from_kept is not None
    for redacted in (from_kept, from_sent):
        assert_only_the_last_group_shows(redacted, groups, 1 / 2)


def test_a_card_shrunk_to_fit_keeps_its_copy_scaled_to_the_smaller_size_sent() -> None:
    # Noise does not compress: at 300 KB the preflight must shrink the image after
    # decoding, so the image sent is smaller than the pixels the copy was made from.
    data = card_stored_portrait((2400, 1500), noise((2400, 1500)))
    upload = prepare(data, "card.jpg", DocumentKind.CARD, 300_000)
    assert upload.width is not None
    assert upload.width < 1200
    assert upload.shown_copy is not None
    assert upload.shown_copy.sent_size == (upload.width, upload.height)
    redacted = redacted_copy(nhn_read(upload))
    assert redacted is not None
    scale = upload.shown_copy.pixels.width / upload.width
    assert_only_the_last_group_shows(
        redacted, scaled_up(GROUPS, upload.shown_copy.sent_size), scale
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (card_photo(GROUPS), DocumentKind.CARD),  # sent unchanged: nothing was decoded
        (card_stored_portrait((2400, 1500)), DocumentKind.BUSINESS),  # no copy is ever made
    ],
)
def test_only_a_card_the_preflight_decoded_keeps_a_copy(data: bytes, kind: DocumentKind) -> None:
    assert prepare(data, "scan.jpg", kind, 5 * MB).shown_copy is None

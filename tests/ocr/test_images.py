"""Images as people send them: sideways, HEIC and friends, animated, transparent, bombs."""

from io import BytesIO

import pytest
from PIL import Image

from bot.blocks.errors import TOO_MANY_PIXELS, explain
from bot.config import MB
from bot.errors import UnreadableImage
from bot.ocr import DocumentKind, FileType, PreparedFile
from bot.ocr.images import MAX_IMAGE_PIXELS, MAX_OUTPUT_PIXELS
from bot.ocr.preflight import WORKING_SIZE, prepare, sniff
from fakes.nhn import BUSINESS, CARD, NhnFake
from tests.ocr.conftest import MakeClient
from tests.ocr.images import (
    BLACK,
    BLUE,
    GREEN,
    RED,
    WHITE,
    close_to,
    corners,
    encode,
    exif_orientation,
    marked,
    noise,
    png_header_only,
    stored_sideways,
)

UPRIGHT_CORNERS = (BLACK, RED, BLUE, WHITE)


def decode(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def orientation_of(data: bytes) -> int:
    return int(decode(data).getexif().get(0x0112, 1))


# EXIF orientation.


@pytest.mark.parametrize("orientation", range(2, 9))
def test_a_sideways_photo_comes_out_upright(orientation: int) -> None:
    upright = marked((600, 400))
    stored = stored_sideways(upright, orientation)
    data = encode(stored, "JPEG", quality=95, exif=exif_orientation(orientation))
    assert len(data) < MB

    upload = prepare(data, "IMG_0001.jpg", DocumentKind.BUSINESS, MB)

    assert upload.data != data  # re-encoded although it was under the limit
    image = decode(upload.data)
    assert image.size == (600, 400) == (upload.width, upload.height)
    assert close_to(corners(image), UPRIGHT_CORNERS)
    assert orientation_of(upload.data) == 1  # no viewer turns it a second time


def test_a_png_with_an_orientation_tag_is_turned_and_stays_lossless() -> None:
    data = encode(stored_sideways(marked(), 6), "PNG", exif=exif_orientation(6))
    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, MB)
    assert upload.file_type is FileType.PNG
    image = decode(upload.data)
    assert image.size == (600, 400)
    assert corners(image) == UPRIGHT_CORNERS  # lossless: exactly


def test_an_upright_photo_under_the_limit_is_sent_unchanged() -> None:
    data = encode(marked((1600, 900)), "JPEG", quality=90, exif=exif_orientation(1))
    upload = prepare(data, "IMG_0002.jpg", DocumentKind.BUSINESS, MB)
    assert upload.data == data
    assert (upload.width, upload.height, upload.file_type) == (1600, 900, FileType.JPEG)


def test_an_oversized_sideways_photo_is_shrunk_and_upright() -> None:
    stored = stored_sideways(marked((2400, 1600)), 8)
    data = encode(stored, "JPEG", quality=95, exif=exif_orientation(8))
    upload = prepare(data, "IMG_0003.jpg", DocumentKind.BUSINESS, len(data) // 3)
    assert len(upload.data) <= len(data) // 3
    image = decode(upload.data)
    assert image.width > image.height
    assert close_to(corners(image), UPRIGHT_CORNERS)


def test_a_re_encoded_photo_carries_no_exif_block() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the photo must be turned, so it is re-encoded
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:30 09:12:00"  # DateTime: when, as GPS data would say where
    data = encode(stored_sideways(marked((600, 400)), 6), "JPEG", quality=90, exif=exif)
    assert decode(data).getexif()[0x010F] == "PhoneMaker"

    upload = prepare(data, "IMG_0006.jpg", DocumentKind.CARD, MB)

    assert upload.data != data
    assert dict(decode(upload.data).getexif()) == {}
    assert b"Exif" not in upload.data[:4096]


# Photos re-encoded anyway are decoded at the smallest JPEG scale above the working size.


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_a_phone_photo_held_upright_is_decoded_at_half_scale(kind: DocumentKind) -> None:
    stored = stored_sideways(marked((4032, 3024)), 6)
    data = encode(stored, "JPEG", quality=90, exif=exif_orientation(6))

    upload = prepare(data, "IMG_0004.jpg", kind, 5 * MB)

    sent = decode(upload.data)
    assert sent.size == (2016, 1512) == (upload.width, upload.height)
    assert close_to(corners(sent), UPRIGHT_CORNERS)
    long_side, short_side = WORKING_SIZE[kind]
    assert max(sent.size) >= long_side
    assert min(sent.size) >= short_side
    assert not upload.low_resolution


def test_a_photo_near_the_working_size_is_not_decoded_smaller() -> None:
    # Half of 2400x1600 would fall below the certificate's working size (1920x1080).
    stored = stored_sideways(marked((2400, 1600)), 6)
    data = encode(stored, "JPEG", quality=90, exif=exif_orientation(6))

    upload = prepare(data, "IMG_0005.jpg", DocumentKind.BUSINESS, 5 * MB)

    assert decode(upload.data).size == (2400, 1600)
    assert close_to(corners(decode(upload.data)), UPRIGHT_CORNERS)


# Formats NHN does not take.


@pytest.mark.parametrize(
    ("file_format", "options", "file_type", "sent_as"),
    [
        ("HEIF", {"quality": 90}, FileType.HEIF, FileType.JPEG),
        ("WEBP", {"quality": 90}, FileType.WEBP, FileType.JPEG),
        ("WEBP", {"lossless": True}, FileType.WEBP, FileType.JPEG),
        ("TIFF", {}, FileType.TIFF, FileType.PNG),
        ("TIFF", {"compression": "tiff_lzw"}, FileType.TIFF, FileType.PNG),
        ("BMP", {}, FileType.BMP, FileType.PNG),
        ("GIF", {}, FileType.GIF, FileType.PNG),
    ],
    ids=["heic", "webp", "webp-lossless", "tiff", "tiff-lzw", "bmp", "gif"],
)
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_each_format_is_converted_to_what_the_api_takes(
    file_format: str,
    options: dict[str, object],
    file_type: FileType,
    sent_as: FileType,
    kind: DocumentKind,
) -> None:
    data = encode(marked((900, 600)), file_format, **options)
    assert sniff(data) is file_type

    upload = prepare(data, "IMG_0004.HEIC", kind, MB)

    assert upload.file_type is sent_as
    assert sniff(upload.data) is sent_as
    assert upload.content_type == sent_as.content_type
    assert upload.filename == "IMG_0004" + sent_as.extension
    image = decode(upload.data)
    assert image.size == (900, 600) == (upload.width, upload.height)
    assert close_to(corners(image), UPRIGHT_CORNERS)


def test_a_heic_photo_carrying_its_rotation_comes_out_upright() -> None:
    # pillow-heif writes EXIF orientation 6 as the HEIF rotation property phones use.
    stored = stored_sideways(marked((600, 400)), 6)
    data = encode(stored, "HEIF", quality=90, exif=exif_orientation(6))
    upload = prepare(data, "IMG_0005.HEIC", DocumentKind.BUSINESS, MB)
    image = decode(upload.data)
    assert image.size == (600, 400)
    assert close_to(corners(image), UPRIGHT_CORNERS)


def test_a_lossless_image_too_large_as_png_is_sent_as_jpeg() -> None:
    data = encode(noise((1800, 1200)), "BMP")
    assert len(data) > 6 * MB
    upload = prepare(data, "scan.bmp", DocumentKind.BUSINESS, 2 * MB)
    assert upload.file_type is FileType.JPEG
    assert len(upload.data) <= 2 * MB
    assert decode(upload.data).size == (upload.width, upload.height)
    assert upload.width is not None
    assert upload.width >= 900


def test_a_16_bit_greyscale_scan_keeps_its_tones() -> None:
    scan = Image.new("I;16", (800, 600), 40_000)  # 61% of full scale
    scan.paste(0, (0, 0, 400, 600))
    upload = prepare(encode(scan, "TIFF"), "scan.tiff", DocumentKind.BUSINESS, MB)
    image = decode(upload.data)
    assert image.mode == "L"
    assert image.getpixel((100, 300)) == 0
    assert image.getpixel((700, 300)) == 40_000 // 256


@pytest.mark.parametrize(
    ("file_format", "options"),
    [
        ("GIF", {"duration": 100, "loop": 0}),
        ("WEBP", {"duration": 100, "lossless": True}),
        ("TIFF", {}),
        ("PNG", {"duration": 100}),  # APNG
    ],
    ids=["gif", "webp", "tiff-pages", "apng"],
)
def test_a_multi_frame_image_sends_its_first_frame(
    file_format: str, options: dict[str, object]
) -> None:
    frames = [Image.new("RGB", (800, 500), colour) for colour in (RED, GREEN, BLUE)]
    data = encode(frames[0], file_format, save_all=True, append_images=frames[1:], **options)
    assert getattr(decode(data), "n_frames", 1) == 3
    upload = prepare(data, "animated", DocumentKind.BUSINESS, MB)
    image = decode(upload.data)
    assert getattr(image, "n_frames", 1) == 1
    assert close_to([corners(image)[3]], [RED], tolerance=8)


# Transparency.


def half_transparent(mode: str) -> Image.Image:
    """Left half fully transparent over black pixels, right half opaque dark grey."""
    image = Image.new("RGBA", (800, 500), (60, 60, 60, 255))
    image.paste((0, 0, 0, 0), (0, 0, 400, 500))
    return image.convert(mode)


@pytest.mark.parametrize(
    ("mode", "file_format"),
    [("RGBA", "PNG"), ("LA", "PNG"), ("RGBA", "WEBP"), ("RGBA", "TIFF"), ("P", "GIF")],
)
def test_transparency_is_flattened_onto_white(mode: str, file_format: str) -> None:
    image = half_transparent("RGBA")
    if mode == "P":
        image = image.convert("RGB").quantize(4)
        transparent_index = image.getpixel((10, 10))
        data = encode(image, "GIF", transparency=transparent_index)
    else:
        data = encode(image.convert(mode), file_format)

    upload = prepare(data, "logo", DocumentKind.BUSINESS, MB)

    flat = decode(upload.data)
    assert flat.mode in ("RGB", "L")
    flat = flat.convert("RGB")
    assert close_to([flat.getpixel((100, 250))], [WHITE], tolerance=8)  # type: ignore[list-item]
    assert close_to([flat.getpixel((700, 250))], [(60, 60, 60)], tolerance=8)  # type: ignore[list-item]


def test_an_opaque_png_keeps_its_bytes() -> None:
    data = encode(marked().convert("RGB"), "PNG")
    assert prepare(data, "scan.png", DocumentKind.BUSINESS, MB).data == data


# Decompression bombs and memory.


def image_allocations() -> int:
    """How many images Pillow's core has allocated in this process so far."""
    return int(Image.core.get_stats()["new_count"])


@pytest.mark.parametrize(
    "size",
    [(100_000, 100_000), (9_000, 9_500)],
    ids=["pillow-refuses-at-open", "over-our-limit"],
)
@pytest.mark.parametrize("max_bytes", [MB, 20], ids=["checked", "shrunk"])
def test_a_decompression_bomb_is_refused_before_anything_is_decoded(
    size: tuple[int, int], max_bytes: int
) -> None:
    bomb = png_header_only(*size)
    assert len(bomb) < 100
    assert size[0] * size[1] > MAX_IMAGE_PIXELS
    before = image_allocations()

    with pytest.raises(UnreadableImage) as caught:
        prepare(bomb, "bomb.png", DocumentKind.BUSINESS, max_bytes)

    assert image_allocations() == before  # not one pixel buffer
    assert explain(caught.value) == TOO_MANY_PIXELS.format(megapixels=80)
    assert "80 megapixels" in explain(caught.value).en
    assert "80메가픽셀" in explain(caught.value).ko


def test_an_image_at_the_pixel_limit_is_read() -> None:
    # Declared like the bombs, but exactly at the limit, with real (uniform) pixel data.
    image = Image.new("1", (10_000, MAX_IMAGE_PIXELS // 10_000), 1)
    image.paste(0, (0, 0, 2_500, 2_000))
    data = encode(image, "TIFF", compression="group4")
    assert len(data) < MB
    upload = prepare(data, "fax.tiff", DocumentKind.BUSINESS, MB)
    assert upload.width is not None
    assert upload.height is not None
    # Scaled to what OCR needs before encoding, keeping the shape.
    assert upload.width * upload.height <= MAX_OUTPUT_PIXELS
    assert upload.width / upload.height == pytest.approx(10_000 / 8_000, rel=0.01)
    sent = decode(upload.data)
    assert sent.size == (upload.width, upload.height)
    assert sent.getpixel((10, 10)) == 0
    assert sent.getpixel((sent.width - 10, sent.height - 10)) == 255


# Cards photographed in portrait.


def test_a_portrait_card_is_turned_to_landscape() -> None:
    data = encode(marked((480, 760)), "JPEG", quality=95)
    upload = prepare(data, "card.jpg", DocumentKind.CARD, MB)
    image = decode(upload.data)
    assert image.size == (760, 480) == (upload.width, upload.height)
    # A quarter turn counter-clockwise: the right edge becomes the top.
    assert close_to(corners(image), (RED, WHITE, BLACK, BLUE))
    assert upload.low_resolution is False


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_portrait_card_in_any_orientation_is_turned_with_one_transpose_at_most(
    orientation: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen portrait (480x760) whatever the stored pixels and their tag; making them upright
    # and turning them are one transpose, none for orientation 6 (portrait pixels on their side).
    seen = marked((480, 760))
    data = encode(
        stored_sideways(seen, orientation),
        "JPEG",
        quality=95,
        exif=exif_orientation(orientation),
    )
    transposes: list[Image.Transpose] = []
    transpose = Image.Image.transpose

    def counted(image: Image.Image, method: Image.Transpose) -> Image.Image:
        transposes.append(method)
        return transpose(image, method)

    monkeypatch.setattr(Image.Image, "transpose", counted)
    upload = prepare(data, "card.jpg", DocumentKind.CARD, MB)
    image = decode(upload.data)
    assert image.size == (760, 480)
    assert close_to(corners(image), (RED, WHITE, BLACK, BLUE))  # as in the test above
    assert len(transposes) == (0 if orientation == 6 else 1)


def test_a_card_stored_landscape_but_shown_portrait_is_turned_after_its_orientation() -> None:
    # Stored 760x480 with orientation 6: people see it 480x760, so it is turned.
    data = encode(marked((760, 480)), "JPEG", quality=95, exif=exif_orientation(6))
    upload = prepare(data, "card.jpg", DocumentKind.CARD, MB)
    image = decode(upload.data)
    assert image.width > image.height
    assert orientation_of(upload.data) == 1


def test_a_portrait_certificate_is_left_portrait() -> None:
    data = encode(marked((1240, 1754)), "JPEG", quality=90)
    upload = prepare(data, "cert.jpg", DocumentKind.BUSINESS, MB)
    assert upload.data == data
    assert (upload.width, upload.height) == (1240, 1754)


def test_a_landscape_card_is_sent_unchanged() -> None:
    data = encode(marked((1000, 630)), "JPEG", quality=90)
    assert prepare(data, "card.jpg", DocumentKind.CARD, MB).data == data


# Resolution below NHN's recommendation.


@pytest.mark.parametrize(
    ("kind", "size", "low"),
    [
        (DocumentKind.BUSINESS, (1280, 720), False),
        (DocumentKind.BUSINESS, (1279, 720), True),
        (DocumentKind.BUSINESS, (1280, 719), True),
        (DocumentKind.BUSINESS, (1240, 1754), False),  # A4 at 150 dpi, portrait
        (DocumentKind.BUSINESS, (600, 848), True),
        (DocumentKind.CARD, (760, 480), False),
        (DocumentKind.CARD, (759, 480), True),
        (DocumentKind.CARD, (480, 760), False),  # turned to 760x480 first
        (DocumentKind.CARD, (640, 400), True),
    ],
)
def test_low_resolution_is_flagged_against_the_kinds_recommendation(
    kind: DocumentKind, size: tuple[int, int], low: bool
) -> None:
    upload = prepare(encode(marked(size), "PNG"), "photo.png", kind, MB)
    assert upload.low_resolution is low


def test_resolution_is_judged_after_orientation() -> None:
    # 1280x720 stored, shown 720x1280: still enough for a certificate, and reported upright.
    data = encode(marked((1280, 720)), "JPEG", quality=90, exif=exif_orientation(8))
    upload = prepare(data, "cert.jpg", DocumentKind.BUSINESS, MB)
    assert (upload.width, upload.height, upload.low_resolution) == (720, 1280, False)


def test_a_shrunk_image_reports_the_pixels_sent() -> None:
    data = encode(marked((1600, 1000)), "BMP")
    upload = prepare(data, "scan.bmp", DocumentKind.CARD, 20_000)
    assert (upload.width, upload.height) == decode(upload.data).size


def test_upload_repr_leaves_out_the_bytes() -> None:
    upload = prepare(encode(marked(), "PNG"), "card.png", DocumentKind.CARD, MB)
    assert isinstance(upload, PreparedFile)
    assert "data" not in repr(upload)


# Through the client, to the contract fake (which refuses anything but JPEG, PNG and PDF).


@pytest.mark.parametrize("file_format", ["HEIF", "WEBP", "TIFF", "BMP", "GIF"])
async def test_every_format_reaches_the_api_as_jpeg_or_png(
    fake_nhn: NhnFake, make_client: MakeClient, file_format: str
) -> None:
    client = make_client()
    photo = encode(marked((1000, 630)), file_format)
    await client.business(photo, "photo")
    card = await client.credit_card(photo, "card")
    assert card.total_card_num is not None
    for endpoint in (BUSINESS, CARD):
        [sent] = fake_nhn.requests_to(endpoint)
        assert sent.body is not None
        assert sent.body["content_type"] in ("image/jpeg", "image/png")


# v1.1 credentials send cards through the encrypted API v2.1 under a neutral file name,
# as the uploader's could hold the card number.
@pytest.mark.parametrize(("version", "sent_as"), [("v1.0", "IMG_0006.jpg"), ("v1.1", "card.jpg")])
async def test_a_portrait_heic_card_reaches_the_api_in_landscape(
    fake_nhn: NhnFake, make_client: MakeClient, version: str, sent_as: str
) -> None:
    photo = encode(marked((480, 760)), "HEIF", quality=90)
    await make_client(version).credit_card(photo, "IMG_0006.HEIC")
    [sent] = fake_nhn.requests_to(CARD)
    assert sent.body is not None
    assert sent.body["content_type"] == "image/jpeg"
    assert sent.body["filename"] == sent_as


async def test_a_bomb_never_reaches_the_api(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    with pytest.raises(UnreadableImage):
        await make_client().business(png_header_only(100_000, 100_000), "bomb.png")
    assert fake_nhn.calls(BUSINESS) == 0

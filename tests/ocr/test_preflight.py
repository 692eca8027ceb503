import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from bot.ocr import (
    DocumentKind,
    EmptyFile,
    FileTooLarge,
    FileType,
    ImageUnreadable,
    UnsupportedFileType,
)
from bot.ocr.errors import TOO_MANY_PIXELS, UNSUPPORTED_FOR_BUSINESS, UNSUPPORTED_FOR_CARD
from bot.ocr.preflight import prepare, sniff
from tests.ocr.images import MINIMAL_PDF, encode, noise, noisy_jpeg, noisy_png, plain_png

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def big_png() -> bytes:
    data = noisy_png((1700, 1650))
    assert len(data) > 8_000_000
    return data


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    data = noisy_jpeg((3000, 2300))
    assert len(data) > 7_500_000
    return data


def decode(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", FileType.JPEG),
        (b"\x89PNG\r\n\x1a\nrest", FileType.PNG),
        (MINIMAL_PDF, FileType.PDF),
        (b"\r\n" * 10 + b"%PDF-1.7", FileType.PDF),
        (b"GIF89a", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(data: bytes, expected: FileType | None) -> None:
    assert sniff(data) is expected


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_an_empty_file_is_refused(kind: DocumentKind) -> None:
    with pytest.raises(EmptyFile):
        prepare(b"", "a.png", kind, MIB)


@pytest.mark.parametrize(
    ("kind", "message"),
    [(DocumentKind.BUSINESS, UNSUPPORTED_FOR_BUSINESS), (DocumentKind.CARD, UNSUPPORTED_FOR_CARD)],
)
def test_an_unknown_type_is_refused_naming_what_the_kind_accepts(
    kind: DocumentKind, message: object
) -> None:
    gif = encode(Image.new("RGB", (10, 10)), "GIF")
    with pytest.raises(UnsupportedFileType) as caught:
        prepare(gif, "photo.png", kind, MIB)
    assert caught.value.user_message == message
    assert "PNG" in caught.value.user_message.en


def test_a_pdf_is_refused_for_a_card() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        prepare(MINIMAL_PDF, "card.pdf", DocumentKind.CARD, MIB)
    assert "PDF" in caught.value.user_message.en


def test_a_pdf_goes_as_is_for_a_certificate() -> None:
    upload = prepare(MINIMAL_PDF, "cert", DocumentKind.BUSINESS, MIB)
    assert (upload.data, upload.filename, upload.content_type) == (
        MINIMAL_PDF,
        "cert.pdf",
        "application/pdf",
    )


def test_a_pdf_over_the_limit_is_too_large_with_the_limit_in_the_message() -> None:
    pdf = MINIMAL_PDF + b"0" * (2 * MIB)
    with pytest.raises(FileTooLarge) as caught:
        prepare(pdf, "cert.pdf", DocumentKind.BUSINESS, MIB)
    assert "1 MB" in caught.value.user_message.ko
    assert "1 MB" in caught.value.user_message.en


def test_an_image_under_the_limit_is_sent_unchanged_with_a_matching_extension() -> None:
    png = plain_png()
    upload = prepare(png, "scan.JPEG", DocumentKind.CARD, MIB)
    assert upload.data == png
    assert (upload.filename, upload.content_type, upload.file_type) == (
        "scan.png",
        "image/png",
        FileType.PNG,
    )


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ('../../etc/pass"wd.png', "pass_wd.png"),
        ("C:\\Users\\kim\\사업자등록증.png", "사업자등록증.png"),
        ("", "upload.png"),
        ("....", "upload.png"),
        ("line\nbreak.png", "line_break.png"),
    ],
)
def test_filenames_are_made_safe(filename: str, expected: str) -> None:
    assert prepare(plain_png(), filename, DocumentKind.BUSINESS, MIB).filename == expected


@pytest.mark.parametrize("image", ["big_png", "big_jpeg"])
def test_an_oversized_photo_is_shrunk_under_the_default_limit(
    image: str, request: pytest.FixtureRequest
) -> None:
    data: bytes = request.getfixturevalue(image)
    original = decode(data)
    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, 5 * MIB)
    assert len(upload.data) <= 5 * MIB
    assert (upload.filename, upload.content_type, upload.file_type) == (
        "scan.jpg",
        "image/jpeg",
        FileType.JPEG,
    )
    shrunk = decode(upload.data)
    assert shrunk.format == "JPEG"
    assert shrunk.width >= original.width // 2
    assert shrunk.width / shrunk.height == pytest.approx(original.width / original.height, rel=0.01)


@pytest.mark.parametrize("image", ["big_png", "big_jpeg"])
def test_a_tight_limit_downscales_keeping_the_aspect_ratio(
    image: str, request: pytest.FixtureRequest
) -> None:
    data: bytes = request.getfixturevalue(image)
    original = decode(data)
    upload = prepare(data, "scan.png", DocumentKind.CARD, MIB)
    assert len(upload.data) <= MIB
    shrunk = decode(upload.data)
    assert 760 <= shrunk.width < original.width
    assert shrunk.width / shrunk.height == pytest.approx(original.width / original.height, rel=0.01)


def test_a_slightly_oversized_image_is_never_upscaled() -> None:
    data = noisy_png((400, 300))
    upload = prepare(data, "a.png", DocumentKind.CARD, len(data) - 1)
    assert decode(upload.data).size <= (400, 300)
    assert len(upload.data) < len(data)


def test_transparency_is_flattened_onto_white() -> None:
    image = noise((600, 400), "RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 300, 400))  # left half fully transparent
    data = encode(image, "PNG", compress_level=1)
    upload = prepare(data, "a.png", DocumentKind.CARD, len(data) // 2)
    shrunk = decode(upload.data).convert("RGB")
    pixel = shrunk.getpixel((50, 200))
    assert isinstance(pixel, tuple)
    assert min(pixel) > 245


def test_exif_orientation_is_applied_when_re_encoding() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = noisy_jpeg((900, 600), exif=exif.tobytes())
    upload = prepare(data, "a.jpg", DocumentKind.CARD, len(data) // 2)
    width, height = decode(upload.data).size
    assert height / width == pytest.approx(1.5, rel=0.01)  # upright: taller than wide


def test_an_image_that_cannot_shrink_far_enough_is_too_large() -> None:
    with pytest.raises(FileTooLarge):
        prepare(noisy_png((800, 800)), "a.png", DocumentKind.CARD, 2_000)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 100,
        b"\xff\xd8\xff" + b"\x00" * 100,
        plain_png()[:60],
    ],
    ids=["png-garbage", "jpeg-garbage", "truncated-png"],
)
@pytest.mark.parametrize("max_bytes", [MIB, 20], ids=["checked", "shrunk"])
def test_an_undecodable_image_is_unreadable(data: bytes, max_bytes: int) -> None:
    with pytest.raises(ImageUnreadable):
        prepare(data, "a.png", DocumentKind.BUSINESS, max_bytes)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels but carries almost no data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("max_bytes", [MIB, 20], ids=["checked", "shrunk"])
def test_a_decompression_bomb_is_unreadable_with_a_clear_message(max_bytes: int) -> None:
    with pytest.raises(ImageUnreadable) as caught:
        prepare(png_header_only(20_000, 20_000), "bomb.png", DocumentKind.BUSINESS, max_bytes)
    assert caught.value.user_message == TOO_MANY_PIXELS

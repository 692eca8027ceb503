from io import BytesIO

import pytest
from PIL import Image

from bot.blocks.errors import UNSUPPORTED_FOR_BUSINESS, UNSUPPORTED_FOR_CARD, explain
from bot.config import MB
from bot.errors import EmptyFile, FileTooLarge, UnreadableImage, UnsupportedFileType
from bot.i18n import Text
from bot.ocr import DocumentKind, FileType
from bot.ocr.preflight import ACCEPTED, prepare, sniff
from tests.ocr.images import MINIMAL_PDF, encode, noise, noisy_jpeg, noisy_png, plain_png


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
        (b"GIF87a", FileType.GIF),
        (b"GIF89a", FileType.GIF),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", FileType.WEBP),
        (b"II*\x00\x08\x00", FileType.TIFF),
        (b"MM\x00*\x00\x00", FileType.TIFF),
        (b"BM" + bytes(12) + (40).to_bytes(4, "little"), FileType.BMP),
        (b"BM and then some words", None),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", FileType.HEIF),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", FileType.HEIF),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", None),  # an MP4 video
        (b"PK\x03\x04", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(data: bytes, expected: FileType | None) -> None:
    assert sniff(data) is expected


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_an_empty_file_is_refused(kind: DocumentKind) -> None:
    with pytest.raises(EmptyFile):
        prepare(b"", "a.png", kind, MB)


@pytest.mark.parametrize(
    ("kind", "message"),
    [(DocumentKind.BUSINESS, UNSUPPORTED_FOR_BUSINESS), (DocumentKind.CARD, UNSUPPORTED_FOR_CARD)],
)
def test_an_unknown_type_is_refused_naming_what_the_kind_accepts(
    kind: DocumentKind, message: Text
) -> None:
    zip_file = b"PK\x03\x04" + bytes(100)
    with pytest.raises(UnsupportedFileType) as caught:
        prepare(zip_file, "photo.png", kind, MB)
    assert explain(caught.value) == message
    for name in ("JPG", "PNG", "HEIC", "WebP", "TIFF", "BMP", "GIF"):
        assert name in message.en
        assert name in message.ko


def test_cards_accept_every_type_but_pdf() -> None:
    assert ACCEPTED[DocumentKind.BUSINESS] == set(FileType)
    assert ACCEPTED[DocumentKind.CARD] == set(FileType) - {FileType.PDF}


def test_a_pdf_is_refused_for_a_card() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        prepare(MINIMAL_PDF, "card.pdf", DocumentKind.CARD, MB)
    assert "PDF" in explain(caught.value).en


def test_a_pdf_goes_as_is_for_a_certificate() -> None:
    upload = prepare(MINIMAL_PDF, "cert", DocumentKind.BUSINESS, MB)
    assert (upload.data, upload.filename, upload.content_type) == (
        MINIMAL_PDF,
        "cert.pdf",
        "application/pdf",
    )
    assert (upload.width, upload.height, upload.low_resolution) == (None, None, False)


def test_a_pdf_over_the_limit_is_too_large_with_the_limit_in_the_message() -> None:
    pdf = MINIMAL_PDF + b"0" * (2 * MB)
    with pytest.raises(FileTooLarge) as caught:
        prepare(pdf, "cert.pdf", DocumentKind.BUSINESS, MB)
    assert "1 MB" in explain(caught.value).ko
    assert "1 MB" in explain(caught.value).en


def test_an_image_under_the_limit_is_sent_unchanged_with_a_matching_extension() -> None:
    png = plain_png()
    upload = prepare(png, "scan.JPEG", DocumentKind.CARD, MB)
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
    assert prepare(plain_png(), filename, DocumentKind.BUSINESS, MB).filename == expected


@pytest.mark.parametrize("image", ["big_png", "big_jpeg"])
def test_an_oversized_photo_is_shrunk_under_the_default_limit(
    image: str, request: pytest.FixtureRequest
) -> None:
    data: bytes = request.getfixturevalue(image)
    original = decode(data)
    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, 5 * MB)
    assert len(upload.data) <= 5 * MB
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
    upload = prepare(data, "scan.png", DocumentKind.CARD, MB)
    assert len(upload.data) <= MB
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
    upload = prepare(data, "a.jpg", DocumentKind.BUSINESS, len(data) // 2)
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
@pytest.mark.parametrize("max_bytes", [MB, 20], ids=["checked", "shrunk"])
def test_an_undecodable_image_is_unreadable(data: bytes, max_bytes: int) -> None:
    with pytest.raises(UnreadableImage):
        prepare(data, "a.png", DocumentKind.BUSINESS, max_bytes)

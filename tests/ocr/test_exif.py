"""EXIF orientation read from a file's bytes, as Pillow writes it and as phones do."""

import struct
from io import BytesIO

import pytest
from PIL import Image

from bot.config import MB
from bot.ocr import DocumentKind
from bot.ocr.exif import jpeg_orientation, png_orientation, tiff_orientation
from bot.ocr.preflight import prepare
from tests.ocr.images import (
    _png_chunk,
    counting_decodes,
    encode,
    exif_orientation,
    marked,
    stored_sideways,
)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_each_orientation_of_a_jpeg_is_read_from_its_app1_segment(orientation: int) -> None:
    data = encode(marked((64, 48)), "JPEG", exif=exif_orientation(orientation))
    assert jpeg_orientation(data) == orientation


def test_a_jpeg_without_exif_or_with_exif_lacking_orientation_is_upright() -> None:
    assert jpeg_orientation(encode(marked((64, 48)), "JPEG")) == 1
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    assert jpeg_orientation(encode(marked((64, 48)), "JPEG", exif=exif.tobytes())) == 1


def test_big_endian_exif_as_some_cameras_write_it() -> None:
    # Motorola byte order: one IFD entry, Orientation = 3 (SHORT), no next IFD.
    block = b"MM\x00*" + struct.pack(">IHHHIHHI", 8, 1, 0x0112, 3, 1, 3, 0, 0)
    app1 = b"Exif\x00\x00" + block
    data = encode(marked((64, 48)), "JPEG")
    with_exif = data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]
    assert jpeg_orientation(with_exif) == 3
    with Image.open(BytesIO(with_exif)) as image:  # as Pillow reads it
        assert image.getexif()[0x0112] == 3


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_a_png_eXIf_chunk_before_the_pixels_is_read(orientation: int) -> None:
    data = encode(marked((64, 48)), "PNG", exif=exif_orientation(orientation))
    assert data.index(b"eXIf") < data.index(b"IDAT")
    assert png_orientation(data) == orientation


def test_a_png_eXIf_chunk_after_the_pixels_is_read_too() -> None:
    data = _exif_after_pixels(encode(marked((64, 48)), "PNG"), 6)
    assert data.index(b"eXIf") > data.index(b"IDAT")
    assert png_orientation(data) == 6


def test_a_png_without_eXIf_is_upright() -> None:
    assert png_orientation(encode(marked((64, 48)), "PNG")) == 1


@pytest.mark.parametrize(
    "block", [b"", b"II*\x00", b"XX*\x00\x08\x00\x00\x00", b"II*\x00\xff\xff\x00\x00"]
)
def test_damaged_exif_reads_as_upright(block: bytes) -> None:
    assert tiff_orientation(block) == 1


def test_a_sideways_png_with_eXIf_after_the_pixels_comes_out_upright() -> None:
    data = _exif_after_pixels(encode(stored_sideways(marked((600, 400)), 6), "PNG"), 6)
    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, MB)
    assert (upload.width, upload.height) == (600, 400)


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_a_file_sent_unchanged_is_never_decoded(file_format: str) -> None:
    data = encode(marked((1600, 1000)), file_format, exif=exif_orientation(1))
    with counting_decodes() as decodes:
        upload = prepare(data, f"scan.{file_format.lower()}", DocumentKind.BUSINESS, MB)
    assert upload.data == data
    assert decodes == []


def test_a_file_that_must_be_turned_is_decoded_once() -> None:
    data = encode(stored_sideways(marked((1600, 1000)), 6), "PNG", exif=exif_orientation(6))
    with counting_decodes() as decodes:
        prepare(data, "scan.png", DocumentKind.BUSINESS, MB)
    assert len(decodes) == 1


def _exif_after_pixels(png: bytes, orientation: int) -> bytes:
    """`png` with an eXIf chunk between its last IDAT and IEND, where some writers put it."""
    end = png.rindex(b"IEND") - 4
    return png[:end] + _png_chunk(b"eXIf", exif_orientation(orientation)) + png[end:]

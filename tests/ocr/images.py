"""Images made on the fly for OCR tests."""

import hashlib
import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO

from PIL import Image, ImageFile

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def encode(image: Image.Image, format: str, **options: object) -> bytes:
    if format == "HEIF":
        # The bot teaches Pillow HEIF on the first one it reads; writing one needs it first.
        import pillow_heif

        pillow_heif.register_heif_opener()
    buffer = BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


@contextmanager
def counting_decodes() -> Iterator[list[tuple[int, int]]]:
    """Every pixel decode Pillow makes in the block, by the size decoded."""
    decodes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def counted(image: ImageFile.ImageFile) -> object:
        if image.tile:  # pixels not yet decoded: this call decodes them
            decodes.append(image.size)
        return load(image)

    ImageFile.ImageFile.load = counted  # type: ignore[method-assign,assignment]
    try:
        yield decodes
    finally:
        ImageFile.ImageFile.load = load  # type: ignore[method-assign]


def plain_png(size: tuple[int, int] = (320, 200)) -> bytes:
    return encode(Image.new("RGB", size, "white"), "PNG")


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Random pixels: they do not compress, so the file size follows the pixel count."""
    channels = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * channels))


def noisy_png(size: tuple[int, int]) -> bytes:
    return encode(noise(size), "PNG", compress_level=1)


def noisy_jpeg(size: tuple[int, int], **options: object) -> bytes:
    return encode(noise(size), "JPEG", quality=95, **options)


# Orientation marks: black top-left, red top-right, blue bottom-left, white bottom-right.
BLACK, RED, BLUE, WHITE, GREEN = (0, 0, 0), (255, 0, 0), (0, 0, 255), (255, 255, 255), (0, 255, 0)
Rgb = tuple[int, int, int]


def marked(size: tuple[int, int] = (600, 400)) -> Image.Image:
    """A white image with a coloured square in three corners, to tell which way is up."""
    image = Image.new("RGB", size, WHITE)
    width, height = size
    side = min(size) // 4
    image.paste(BLACK, (0, 0, side, side))
    image.paste(RED, (width - side, 0, width, side))
    image.paste(BLUE, (0, height - side, side, height))
    return image


def corners(image: Image.Image) -> tuple[Rgb, Rgb, Rgb, Rgb]:
    """The colours at the middle of each corner square of a `marked` image (TL, TR, BL, BR)."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    inset = min(width, height) // 8
    points = [
        (inset, inset),
        (width - inset, inset),
        (inset, height - inset),
        (width - inset, height - inset),
    ]
    tl, tr, bl, br = (_rgb(rgb.getpixel(point)) for point in points)
    return tl, tr, bl, br


def close_to(actual: Sequence[Rgb], expected: Sequence[Rgb], tolerance: int = 48) -> bool:
    """Colours equal within what lossy encoding changes."""
    return len(actual) == len(expected) and all(
        abs(a - e) <= tolerance
        for got, want in zip(actual, expected, strict=True)
        for a, e in zip(got, want, strict=True)
    )


def _rgb(pixel: object) -> Rgb:
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]
    return int(red), int(green), int(blue)


# EXIF orientation -> the transpose that undoes what displaying with that orientation does.
_STORED_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def exif_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def stored_sideways(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels a camera stores for `upright` when it tags them with `orientation`."""
    if orientation == 1:
        return upright.copy()
    return upright.transpose(_STORED_FOR_ORIENTATION[orientation])


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels but carries almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + _png_chunk(b"IEND", b"")
    )


_PNG_COLOUR_TYPES = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}  # type, bytes a pixel


def sparse_png(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A complete, valid PNG of `width` x `height` pixels, all zero (transparent for RGBA),
    written row by row: small as a file (deflate packs zeros about 1000 to 1), enormous
    once decoded, and never whole in this process's memory."""
    colour_type, channels = _PNG_COLOUR_TYPES[mode]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = bytes(1 + width * channels)  # filter type 0, then the pixels
    compressed = [packer.compress(row) for _ in range(height)]
    compressed.append(packer.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(compressed))
        + _png_chunk(b"IEND", b"")
    )


# PDFs.

A4_POINTS = (595, 842)
_PAGE_MARK = 40  # side of the square that numbers a page, in points
_PAGE_COLUMNS = 12


def page_mark_centre(index: int) -> tuple[float, float]:
    """Where, in points from the top-left, page `index` of `numbered_pdf` has its square."""
    return 30 + 45 * (index % _PAGE_COLUMNS) + _PAGE_MARK / 2, 100 + _PAGE_MARK / 2


def numbered_pdf(pages: int) -> bytes:
    """An A4 PDF whose page i has a black square in column i (see `page_mark_centre`)."""
    images = []
    for index in range(pages):
        page = Image.new("RGB", A4_POINTS, WHITE)
        x, y = page_mark_centre(index)
        half = _PAGE_MARK // 2
        page.paste(BLACK, (int(x) - half, int(y) - half, int(x) + half, int(y) + half))
        images.append(page)
    # 72 pixels per inch: one pixel per point, so the pages are A4.
    return encode(images[0], "PDF", save_all=True, append_images=images[1:], resolution=72.0)


_PASSWORD_PADDING = bytes.fromhex(
    "28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a"
)
ENCRYPTED_PDF_SQUARE = (100, 92, 300, 242)  # the black square, in points from the top-left


def encrypted_pdf(user_password: str, owner_password: str) -> bytes:
    """A one-page A4 PDF with a black square, encrypted as PDF 1.4 writers do (RC4, 40 bits).

    An empty `user_password` makes a PDF anyone can open whose owner restricts editing.
    Written out from the standard security handler's algorithms (ISO 32000-1, 7.6.3).
    """

    def padded(password: str) -> bytes:
        return (password.encode("latin-1") + _PASSWORD_PADDING)[:32]

    permissions = -44  # printing and copying forbidden
    file_id = b"ocrbot-test-pdf!"
    owner_entry = _rc4(_md5(padded(owner_password))[:5], padded(user_password))
    key = _md5(padded(user_password) + owner_entry + struct.pack("<i", permissions) + file_id)[:5]
    user_entry = _rc4(key, _PASSWORD_PADDING)
    left, top, right, bottom = ENCRYPTED_PDF_SQUARE
    height = A4_POINTS[1]
    content = f"0 0 0 rg {left} {height - bottom} {right - left} {bottom - top} re f".encode()
    content_object = 4
    object_key = _md5(key + content_object.to_bytes(3, "little") + b"\x00\x00")
    stream = _rc4(object_key[:10], content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
    ]
    trailer = b"<< /Size %d /Root 1 0 R /Encrypt 5 0 R /ID [<%s> <%s>] >>" % (
        len(objects) + 1,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return _pdf_file(objects, trailer)


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()  # what the PDF format prescribes


def _pdf_file(objects: list[bytes], trailer: bytes) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)

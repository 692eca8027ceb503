"""Images made on the fly for OCR tests."""

import os
from io import BytesIO

from PIL import Image

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def encode(image: Image.Image, format: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


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

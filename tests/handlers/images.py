"""Small real images for upload tests."""

import io

from PIL import Image


def png(width: int = 1400, height: int = 900) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int = 1000, height: int = 630) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 120)).save(buffer, "JPEG")
    return buffer.getvalue()

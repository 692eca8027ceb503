"""Checks and shrinking before an upload, so NHN is only called with files it can take.

Everything here is CPU-bound and synchronous; callers run it with asyncio.to_thread.
"""

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import PurePosixPath, PureWindowsPath

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.ocr.errors import (
    TOO_LARGE,
    TOO_MANY_PIXELS,
    UNSUPPORTED_FOR_BUSINESS,
    UNSUPPORTED_FOR_CARD,
    EmptyFile,
    FileTooLarge,
    ImageUnreadable,
    UnsupportedFileType,
    format_size,
)
from bot.ocr.models import DocumentKind, FileType, Upload

_PDF_HEADER_WINDOW = 1024  # PDF readers accept junk before %PDF- within the first 1 KiB
_JPEG_QUALITIES = (85, 75, 65)
_MAX_SHRINK_ROUNDS = 12
_MIN_LONG_SIDE_PX = 320  # below this no OCR result is worth having
_MAX_FILENAME_CHARS = 100
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')

ACCEPTED: dict[DocumentKind, frozenset[FileType]] = {
    DocumentKind.BUSINESS: frozenset({FileType.JPEG, FileType.PNG, FileType.PDF}),
    DocumentKind.CARD: frozenset({FileType.JPEG, FileType.PNG}),
}
_UNSUPPORTED_MESSAGE = {
    DocumentKind.BUSINESS: UNSUPPORTED_FOR_BUSINESS,
    DocumentKind.CARD: UNSUPPORTED_FOR_CARD,
}


def sniff(data: bytes) -> FileType | None:
    """The file type from its first bytes, whatever its name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return FileType.PDF
    return None


def prepare(data: bytes, filename: str, kind: DocumentKind, max_bytes: int) -> Upload:
    """Check a file for `kind` and make it fit in `max_bytes`, or raise an InvalidInput."""
    if not data:
        raise EmptyFile("preflight: empty file")
    file_type = sniff(data)
    if file_type is None or file_type not in ACCEPTED[kind]:
        raise UnsupportedFileType(
            f"preflight: {file_type or 'unknown'} file for {kind}",
            user_message=_UNSUPPORTED_MESSAGE[kind],
        )
    if file_type is FileType.PDF:
        if len(data) > max_bytes:
            raise too_large(len(data), max_bytes)
        return _upload(data, filename, file_type)
    if len(data) <= max_bytes:
        _check_decodable(data)
        return _upload(data, filename, file_type)
    return _upload(shrink_image(data, max_bytes), filename, FileType.JPEG)


def shrink_image(data: bytes, max_bytes: int) -> bytes:
    """Re-encode an image as JPEG of at most `max_bytes`, downscaling only as needed."""
    image = _decode_flat(data, estimated_scale=math.sqrt(max_bytes / len(data)))
    quality_index = 0
    for _ in range(_MAX_SHRINK_ROUNDS):
        encoded = _encode_jpeg(image, _JPEG_QUALITIES[quality_index])
        if len(encoded) <= max_bytes:
            return encoded
        ratio = max_bytes / len(encoded)
        # A near miss costs less resolution when paid in quality first.
        if ratio > 0.8 and quality_index + 1 < len(_JPEG_QUALITIES):
            quality_index += 1
            continue
        factor = min(0.9, math.sqrt(ratio) * 0.95)
        width, height = image.size
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        if max(size) < _MIN_LONG_SIDE_PX:
            break
        image = image.resize(size, Image.Resampling.LANCZOS)
    raise too_large(len(data), max_bytes)


def too_large(size: int, max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f"preflight: {size} bytes over the {max_bytes}-byte limit",
        user_message=TOO_LARGE.format(limit=format_size(max_bytes)),
    )


@contextmanager
def _reading_image() -> Iterator[None]:
    """Pillow's many ways of saying "cannot decode" become ImageUnreadable."""
    try:
        yield
    except Image.DecompressionBombError:
        raise ImageUnreadable("preflight: too many pixels", user_message=TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageUnreadable(f"preflight: undecodable image ({type(error).__name__})") from None


def _decode_flat(data: bytes, *, estimated_scale: float) -> Image.Image:
    """Decode to upright RGB with transparency flattened onto white."""
    with _reading_image(), Image.open(BytesIO(data)) as opened:
        if estimated_scale < 1:
            width, height = opened.size
            # JPEG only: decode at 1/2, 1/4 or 1/8 scale when that stays above the guess.
            opened.draft(
                "RGB", (math.ceil(width * estimated_scale), math.ceil(height * estimated_scale))
            )
        return _flatten(ImageOps.exif_transpose(opened))


def _check_decodable(data: bytes) -> None:
    with _reading_image(), Image.open(BytesIO(data)) as opened:
        opened.verify()


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _upload(data: bytes, filename: str, file_type: FileType) -> Upload:
    return Upload(
        data=data,
        filename=_safe_stem(filename) + file_type.extension,
        content_type=file_type.content_type,
        file_type=file_type,
    )


def _safe_stem(filename: str) -> str:
    """The name without directories, odd characters or extension; "upload" if nothing is left."""
    name = PureWindowsPath(PurePosixPath(filename).name).name
    stem = _UNSAFE_FILENAME_CHARS.sub("_", PurePosixPath(name).stem).strip(" ._")
    return stem[:_MAX_FILENAME_CHARS] or "upload"

"""Checks and conversions before an upload, so NHN is only called with files it can take.

Images go through `bot.ocr.images`, PDFs through `bot.ocr.pdf`. Everything here is
CPU-bound and synchronous; callers run it with asyncio.to_thread. Each prepared image
is logged at INFO with the CPU time of each stage, what the benchmark measures.
"""

import logging
import re
from pathlib import PurePosixPath, PureWindowsPath

from bot.errors import EmptyFile, UnsupportedFileType
from bot.ocr.image_work import MemoryBudget
from bot.ocr.images import CpuStages, prepare_image, too_large
from bot.ocr.models import DocumentKind, FileType, PreparedFile, ShownCopy
from bot.ocr.pdf import refuse_locked

log = logging.getLogger(__name__)

_PDF_HEADER_WINDOW = 1024  # PDF readers accept junk before %PDF- within the first 1 KiB
# ISO BMFF major brands of HEIF images (HEVC-coded, as phones write them).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# Sizes of the header after a BMP's file header (BITMAPCOREHEADER to BITMAPV5HEADER).
_BMP_INFO_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_MAX_FILENAME_CHARS = 100
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')

ACCEPTED: dict[DocumentKind, frozenset[FileType]] = {
    DocumentKind.BUSINESS: frozenset(FileType),
    DocumentKind.CARD: frozenset(FileType) - {FileType.PDF},
}
# NHN's recommended minimum resolution (API guides), as long side by short side.
RECOMMENDED_SIZE: dict[DocumentKind, tuple[int, int]] = {
    DocumentKind.BUSINESS: (1280, 720),
    DocumentKind.CARD: (760, 480),
}
# A photo that must be re-encoded is decoded no smaller than this, and no larger than its
# format needs to stay above it: half again NHN's recommendation in each side, so that the
# document within the frame still meets it. A 12 MP phone JPEG is then decoded at half
# scale (2016x1512), a quarter of the work and memory of a full decode.
WORKING_SIZE: dict[DocumentKind, tuple[int, int]] = {
    kind: (long_side * 3 // 2, short_side * 3 // 2)
    for kind, (long_side, short_side) in RECOMMENDED_SIZE.items()
}


def sniff(data: bytes) -> FileType | None:
    """The file type from its first bytes, whatever its name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return FileType.GIF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return FileType.WEBP
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):  # TIFF, BigTIFF
        return FileType.TIFF
    if data.startswith(b"BM") and int.from_bytes(data[14:18], "little") in _BMP_INFO_HEADER_SIZES:
        return FileType.BMP
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return FileType.HEIF
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return FileType.PDF
    return None


def prepare(
    data: bytes,
    filename: str,
    kind: DocumentKind,
    max_bytes: int,
    budget: MemoryBudget | None = None,
) -> PreparedFile:
    """Check a file for `kind` and make it what NHN takes within `max_bytes`, or raise.

    An image decoded on the way waits for its bytes of `budget` (see `prepare_image`).
    Raises an InputError: EmptyFile, UnsupportedFileType, PasswordProtectedPdf,
    UnreadableImage (TooManyPixels for too many pixels) or FileTooLarge.
    """
    if not data:
        raise EmptyFile("preflight: empty file")
    file_type = sniff(data)
    if file_type is None or file_type not in ACCEPTED[kind]:
        raise UnsupportedFileType(
            f"preflight: {file_type or 'unknown'} file for {kind}",
            document=kind,
        )
    if file_type is FileType.PDF:
        refuse_locked(data)
        if len(data) > max_bytes:
            raise too_large(len(data), max_bytes)
        # A PDF has no pixel size: how sharp its pages are depends on how it was made.
        return _upload(data, filename, file_type, width=None, height=None, low_resolution=False)
    cpu = CpuStages()
    image = prepare_image(
        data,
        file_type,
        max_bytes,
        landscape=kind is DocumentKind.CARD,
        working_size=WORKING_SIZE[kind],
        # The redacted copy of a card is made after NHN's answer from these pixels.
        keep_shown_copy=kind is DocumentKind.CARD,
        cpu=cpu,
        budget=budget,
    )
    # Sizes and types only: the file's name may say whose document it is.
    log.info(
        "preflight %s: %s %d bytes -> %s %dx%d %d bytes, %s",
        kind,
        file_type,
        len(data),
        image.file_type,
        image.width,
        image.height,
        len(image.data),
        cpu,
    )
    return _upload(
        image.data,
        filename,
        image.file_type,
        width=image.width,
        height=image.height,
        low_resolution=below_recommended(image.width, image.height, kind),
        shown_copy=image.shown_copy,
    )


def below_recommended(width: int, height: int, kind: DocumentKind) -> bool:
    """Whether an upright image is smaller than NHN recommends for `kind`, in either side."""
    long_side, short_side = RECOMMENDED_SIZE[kind]
    return max(width, height) < long_side or min(width, height) < short_side


def _upload(
    data: bytes,
    filename: str,
    file_type: FileType,
    *,
    width: int | None,
    height: int | None,
    low_resolution: bool,
    shown_copy: ShownCopy | None = None,
) -> PreparedFile:
    return PreparedFile(
        data=data,
        filename=_safe_stem(filename) + file_type.extension,
        content_type=file_type.content_type,
        file_type=file_type,
        width=width,
        height=height,
        low_resolution=low_resolution,
        shown_copy=shown_copy,
    )


def _safe_stem(filename: str) -> str:
    """The name without directories, odd characters or extension; "upload" if nothing is left."""
    name = PureWindowsPath(PurePosixPath(filename).name).name
    stem = _UNSAFE_FILENAME_CHARS.sub("_", PurePosixPath(name).stem).strip(" ._")
    return stem[:_MAX_FILENAME_CHARS] or "upload"

"""Images as people send them, turned into what NHN Document OCR takes.

Phone photos arrive sideways, as HEIC, WebP or animations, with transparency; NHN takes
JPEG or PNG. Everything here is CPU-bound and synchronous: callers run it in a worker
thread (asyncio.to_thread), so one large photo does not stall the event loop.
"""

import math
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from io import BytesIO

from PIL import ExifTags, Image, UnidentifiedImageError

from bot.config import MB
from bot.errors import FileTooLarge, TooManyPixels, UnreadableImage
from bot.ocr.exif import jpeg_orientation, png_orientation
from bot.ocr.image_work import MemoryBudget, pixel_bytes
from bot.ocr.models import FileType, ShownCopy
from bot.ocr.redaction import reduced_size, shown_copy, shown_factor

# Checked against the size a file declares, before decoding: a small file can declare
# billions of pixels (a decompression bomb). 80 MP is past any phone's default photo.
MAX_IMAGE_PIXELS = 80_000_000
# A re-encoded image is scaled down to this; more helps no OCR and costs memory at every step.
MAX_OUTPUT_PIXELS = 24_000_000
SENDABLE = frozenset({FileType.JPEG, FileType.PNG})

_PILLOW_FORMATS = {
    FileType.JPEG: "JPEG",
    FileType.PNG: "PNG",
    FileType.HEIF: "HEIF",
    FileType.WEBP: "WEBP",
    FileType.TIFF: "TIFF",
    FileType.BMP: "BMP",
    FileType.GIF: "GIF",
}
# Formats without lossy compression usually hold scans or screenshots: kept lossless if they fit.
_LOSSLESS = frozenset({FileType.PNG, FileType.TIFF, FileType.BMP, FileType.GIF})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
# EXIF orientation -> the transpose that makes the pixels upright; 1 (upright) and values
# outside 1-8 need none.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# The same followed by the quarter turn counter-clockwise that makes a portrait card
# landscape, as one transpose: orientation 6, a phone held upright, needs none at all.
_UPRIGHT_AND_TURNED: dict[int, Image.Transpose | None] = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.TRANSPOSE,
    3: Image.Transpose.ROTATE_270,
    4: Image.Transpose.TRANSVERSE,
    5: Image.Transpose.FLIP_TOP_BOTTOM,
    6: None,
    7: Image.Transpose.FLIP_LEFT_RIGHT,
    8: Image.Transpose.ROTATE_180,
}
_AXES_SWAPPING_ORIENTATIONS = range(5, 9)
_JPEG_QUALITIES = (85, 75, 65)
_MAX_SHRINK_ROUNDS = 12
_MIN_LONG_SIDE_PX = 320  # below this no OCR result is worth having
# Flattening and reducing go a band of rows at a time, about this many pixels each: no
# second full-size image exists beside the decoded one.
_BAND_PIXELS = 1 << 20
# JPEG's smallest draft: 1/8 scale, which any JPEG under the pixel limit fits at.
_SMALLEST_DRAFT = 8
# Decoders that keep copies of the pixels beside Pillow's image: libwebp its canvas and the
# frame it hands over, libheif its decoded plane (measured: peak memory over the decode).
_DECODER_COPIES = {"WEBP": 2, "HEIF": 1}


class CpuStages:
    """CPU time the calling thread spends in each stage of preparing an image.

    `time.thread_time`, so other threads and the event loop do not count: the preflight
    logs it per upload, and the benchmark reads that line.
    """

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self._mark = time.thread_time()

    def done(self, stage: str) -> None:
        """The time since the previous mark (or the start) was spent in `stage`."""
        now = time.thread_time()
        self._seconds[stage] = self._seconds.get(stage, 0.0) + now - self._mark
        self._mark = now

    def __str__(self) -> str:
        """`cpu_ms total=71.3 decode=45.0 orient=5.2 encode=21.1`, stages in order."""
        stages = "".join(f" {name}={s * 1000:.1f}" for name, s in self._seconds.items())
        return f"cpu_ms total={sum(self._seconds.values()) * 1000:.1f}{stages}"


@dataclass(frozen=True, slots=True)
class Prepared:
    """JPEG or PNG bytes for NHN, their upright size in pixels, and the copy of their
    pixels at the size shown when one was asked for and the image was decoded."""

    data: bytes = field(repr=False)
    file_type: FileType
    width: int
    height: int
    shown_copy: ShownCopy | None = None


def prepare_image(
    data: bytes,
    file_type: FileType,
    max_bytes: int,
    *,
    landscape: bool,
    working_size: tuple[int, int],
    keep_shown_copy: bool,
    cpu: CpuStages,
    budget: MemoryBudget | None = None,
) -> Prepared:
    """The image upright, as its first frame, flattened onto white, in at most `max_bytes`.

    With `landscape`, an image taller than wide is turned a quarter (cards: the API asks
    for it). Bytes that need none of this are returned unchanged. An image that must be
    re-encoded anyway is decoded no larger than the format allows above `working_size`
    (long side, short side): a JPEG at 1/2, 1/4 or 1/8 scale, which costs a fraction of
    a full decode. The decode waits for its bytes of `budget` (without one, it is held
    to a budget of its own of the default size); a JPEG too large for the whole budget
    is decoded smaller, any other image is refused. Raises TooManyPixels for too many
    pixels or an undecodable file, and FileTooLarge when it cannot fit. The CPU time of
    each stage is added to `cpu`. With `keep_shown_copy`, an image decoded here keeps a
    copy at the size a redacted copy is shown (cards: the redaction then decodes nothing).
    """
    budget = budget or MemoryBudget()
    if file_type is FileType.HEIF:
        _open_heif_too()
    with _reading_image():
        opened = Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[file_type]])
        width, height = opened.size
        if width * height > MAX_IMAGE_PIXELS:
            raise too_many_pixels(f"{width}x{height} pixels declared")
        orientation = _orientation(data, file_type, opened)
        if orientation in _AXES_SWAPPING_ORIENTATIONS:
            width, height = height, width
        turn = landscape and height > width
        unchanged = (
            file_type in SENDABLE
            and orientation not in _UPRIGHT
            and not turn
            and not getattr(opened, "is_animated", False)  # APNG, MPO: send one frame
            and not _has_transparency(opened)
            and len(data) <= max_bytes
        )
        cpu.done("open")
        if unchanged:
            _check_decodable(data, file_type)
            cpu.done("check")
            return Prepared(data, file_type, width, height)
        # A JPEG re-encoded as JPEG shrinks about with its pixel count: decode no larger.
        byte_scale = (
            math.sqrt(max_bytes / len(data))
            if file_type is FileType.JPEG and len(data) > max_bytes
            else 1.0
        )
        draft_scale = max(_scale_keeping(opened.size, working_size), 0.0)
        _draft(opened, min(byte_scale, draft_scale))
        factor = _reduce_factor(opened.size)
        if not budget.fits(_decode_bytes(opened, factor)) and file_type is FileType.JPEG:
            # Draft works once per opened image: open it again for the smallest decode.
            opened = Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[file_type]])
            _draft(opened, 1 / _SMALLEST_DRAFT)
            factor = _reduce_factor(opened.size)
        needed = _decode_bytes(opened, factor)
        if keep_shown_copy:
            decoded = reduced_size(opened.size, factor)
            needed += pixel_bytes("RGB", reduced_size(decoded, shown_factor(decoded)))
        if not budget.fits(needed):
            raise beyond_budget(opened.size, needed, budget)
        # Re-encoding a PNG that was already too large as PNG would not make it fit.
        lossless = file_type in _LOSSLESS and not (
            file_type is FileType.PNG and len(data) > max_bytes
        )
        with budget.reserve(needed):
            cpu.done("open")
            image = _decode_upright(
                opened, factor=factor, orientation=orientation, turn=turn, cpu=cpu
            )
            prepared = _encode_within(image, max_bytes, lossless=lossless, cpu=cpu)
            if not keep_shown_copy:
                return prepared
            shown = shown_copy(image)
            cpu.done("shown")
            # The size sent, which a shrink to fit may have made smaller than `image`.
            sent_size = (prepared.width, prepared.height)
            return replace(prepared, shown_copy=ShownCopy(shown, sent_size))


def encode_within(image: Image.Image, max_bytes: int, *, lossless: bool) -> Prepared:
    """PNG if `lossless` and it fits, else JPEG of at most `max_bytes`, downscaled only as needed.

    `image` must be RGB or L. Raises FileTooLarge when even a small JPEG does not fit.
    """
    return _encode_within(image, max_bytes, lossless=lossless, cpu=CpuStages())


def _encode_within(
    image: Image.Image, max_bytes: int, *, lossless: bool, cpu: CpuStages
) -> Prepared:
    if lossless:
        png = _encode(image, "PNG")
        cpu.done("encode")
        if len(png) <= max_bytes:
            return Prepared(png, FileType.PNG, image.width, image.height)
    quality_index = 0
    encoded = b""
    for _ in range(_MAX_SHRINK_ROUNDS):
        # No optimize=True: it more than doubles the encoding time to save about a tenth.
        encoded = _encode(image, "JPEG", quality=_JPEG_QUALITIES[quality_index])
        cpu.done("encode")
        if len(encoded) <= max_bytes:
            return Prepared(encoded, FileType.JPEG, image.width, image.height)
        ratio = max_bytes / len(encoded)
        # A near miss costs less resolution when paid in quality first.
        if ratio > 0.8 and quality_index + 1 < len(_JPEG_QUALITIES):
            quality_index += 1
            continue
        factor = min(0.9, math.sqrt(ratio) * 0.95)
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        if max(size) < _MIN_LONG_SIDE_PX:
            break
        image = image.resize(size, Image.Resampling.LANCZOS)
        cpu.done("shrink")
    raise too_large(len(encoded), max_bytes)


def too_large(size: int, max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f"preflight: {size} bytes over the {max_bytes}-byte limit", limit_bytes=max_bytes
    )


def beyond_budget(size: tuple[int, int], needed: int, budget: MemoryBudget) -> TooManyPixels:
    """Refusal of an image that alone needs more memory than the whole budget."""
    width, height = size
    # Any image of this many pixels fits: four bytes a pixel, decoded and flattened.
    return TooManyPixels(
        f"preflight: {width}x{height} pixels need {needed} bytes decoded, "
        f"over the {budget.total_bytes}-byte image memory budget",
        megapixels=max(1, budget.total_bytes // 8 // MB),
        width=width,
        height=height,
    )


def too_many_pixels(detail: str) -> TooManyPixels:
    return TooManyPixels(
        f"preflight: {detail}, over the {MAX_IMAGE_PIXELS}-pixel limit",
        megapixels=MAX_IMAGE_PIXELS // MB,
    )


@cache
def _open_heif_too() -> None:
    """Teach Pillow HEIF, once per process, on the first HEIF: libheif costs some 10 MB
    that a process reading only JPEG and PNG never needs. Thumbnails, depth maps and
    auxiliary images are never used: not decoding them saves memory."""
    import pillow_heif

    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


@contextmanager
def _reading_image() -> Iterator[None]:
    """Pillow's and pillow-heif's many ways of saying "cannot decode" become UnreadableImage."""
    try:
        yield
    except Image.DecompressionBombError:
        raise too_many_pixels("Pillow's decompression bomb check") from None
    except (
        UnidentifiedImageError,
        OSError,
        EOFError,
        SyntaxError,
        ValueError,
        RuntimeError,
        struct.error,
    ) as error:
        raise UnreadableImage(f"preflight: undecodable image ({type(error).__name__})") from None


def _orientation(data: bytes, file_type: FileType, opened: Image.Image) -> int:
    """The EXIF orientation, read without decoding the pixels: from the bytes for JPEG and
    PNG (Pillow decodes a whole PNG to look for an eXIf chunk after the pixels), from
    what Pillow read on opening for the rest."""
    if file_type is FileType.JPEG:
        return jpeg_orientation(data)
    if file_type is FileType.PNG:
        return png_orientation(data)
    orientation: int = opened.getexif().get(ExifTags.Base.Orientation, 1)
    return orientation


def _scale_keeping(size: tuple[int, int], working_size: tuple[int, int]) -> float:
    """The smallest scale, at most 1, at which `size` still covers `working_size`."""
    long_side, short_side = max(size), min(size)
    return min(1.0, max(working_size[0] / long_side, working_size[1] / short_side))


def _check_decodable(data: bytes, file_type: FileType) -> None:
    with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[file_type]]) as opened:
        opened.verify()


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def _draft(opened: Image.Image, scale: float) -> None:
    """Ask a JPEG to decode at 1/2, 1/4 or 1/8 scale, the smallest that stays at or above
    `scale` (and within MAX_OUTPUT_PIXELS); other formats decode whole whatever is asked.
    `opened.size` is then the size the decode will have."""
    width, height = opened.size
    scale = min(scale, math.sqrt(MAX_OUTPUT_PIXELS / (width * height)))
    if scale < 1:
        opened.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))


def _reduce_factor(size: tuple[int, int]) -> int:
    """The whole factor that brings a decoded `size` within MAX_OUTPUT_PIXELS.

    >>> _reduce_factor((4032, 3024)), _reduce_factor((8900, 8900))
    (1, 2)
    """
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / MAX_OUTPUT_PIXELS)))


def _decode_bytes(opened: Image.Image, factor: int) -> int:
    """The most pixel bytes the decode of `opened` holds at once: the decoded image (and
    its decoder's copies) beside its flattened, reduced copy, then two of that copy while
    it is turned or shrunk."""
    copies = 1 + _DECODER_COPIES.get(opened.format or "", 0)
    decoded = pixel_bytes(opened.mode, opened.size) * copies
    width, height = opened.size
    flat = pixel_bytes(_flat_mode(opened), (-(-width // factor), -(-height // factor)))
    return max(decoded + flat, 2 * flat)


def _decode_upright(
    opened: Image.Image, *, factor: int, orientation: int, turn: bool, cpu: CpuStages
) -> Image.Image:
    """Decode the first frame (as drafted), upright, flattened and reduced by `factor`.

    At most the decoded image and one smaller copy, or two of the copy, exist at a time:
    what `_decode_bytes` reserves.
    """
    opened.load()  # the first frame
    cpu.done("decode")
    image = _flat_reduced(opened, factor)
    if image is not opened:
        opened.close()  # frees the decoded pixels before the copies below are made
    cpu.done("shrink" if factor > 1 else "orient")
    # A plain transpose: the EXIF block, which exif_transpose would rewrite, is not sent
    # on anyway (it may hold where the photo was taken). Which way a card's top points is
    # unknown; counter-clockwise undoes the usual case: a phone turned counter-clockwise
    # over a desk, where it still reports portrait.
    transpose = (
        _UPRIGHT_AND_TURNED.get(orientation, Image.Transpose.ROTATE_90)
        if turn
        else _UPRIGHT.get(orientation)
    )
    if transpose is not None:
        image = image.transpose(transpose)
    cpu.done("orient")
    return image


def _flat_mode(image: Image.Image) -> str:
    """The mode `_flatten` turns `image` into: RGB or L."""
    if _has_transparency(image):
        return "RGB"
    if image.mode in ("RGB", "L"):
        return image.mode
    return "L" if image.mode == "1" or image.mode.startswith("I") else "RGB"


def _flat_reduced(image: Image.Image, factor: int) -> Image.Image:
    """`image` flattened and reduced by `factor` (box averages), a band of rows at a time;
    `image` itself when it needs neither."""
    mode = _flat_mode(image)
    if factor == 1 and image.mode == mode and not _has_transparency(image):
        return image
    width, height = image.size
    rows = max(1, _BAND_PIXELS // width // factor) * factor  # whole blocks of the reduction
    output = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        band = _flatten(image.crop((0, top, width, min(top + rows, height))))
        output.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
    return output


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L, with transparency composited onto white; `image` itself if already so."""
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale (scanners): convert() would clip everything above 255.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert("L" if image.mode == "1" else "RGB")


def _encode(image: Image.Image, format: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()

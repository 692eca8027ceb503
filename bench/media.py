"""The files the benchmark uploads, made with Pillow once and kept in a temporary directory.

Noise on gradients: real photos compress about as badly, and no OCR runs on them here.
"""

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import ExifTags, Image, ImageChops

from tests.ocr.images import sparse_png

MB = 1_000_000
PHONE_SIZE = (4032, 3024)  # 12 megapixels, as most phone cameras take them
A4_150_DPI = (1240, 1754)
# Just under the bot's 80-megapixel limit, with transparency: 317 MB once decoded.
PIXEL_HEAVY_SIZE = (8900, 8900)
CACHE = Path(tempfile.gettempdir()) / "ocrbot-bench" / "v1"
# Mild noise makes a greyscale A4 page at 150 dpi a PNG of about 1 MB.
_CERTIFICATE_NOISE_SIGMA = 2
_PHOTO_NOISE_SIGMA = 40
_PHOTO_NOISE_SHARE = 0.35

Kind = Literal["business", "card"]


@dataclass(frozen=True, slots=True)
class PhotoSpec:
    """One phone photo: what it shows, about how large it is, and how it was held."""

    kind: Kind
    target_mb: float
    exif_orientation: int  # 1 upright; 6 held upright, so the pixels lie on their side
    portrait_pixels: bool  # taller than wide as stored (a card then needs turning)

    @property
    def name(self) -> str:
        layout = "portrait" if self.portrait_pixels else "landscape"
        return f"{self.kind}-{self.target_mb:.1f}mb-o{self.exif_orientation}-{layout}.jpg"


# A month-end mix: about a third over OCR_MAX_UPLOAD_BYTES (5 MiB = 5.24 MB), half held
# upright (EXIF orientation 6, as phones save a portrait shot), some cards shot portrait.
PHOTO_MIX = (
    PhotoSpec("card", 4.3, 1, portrait_pixels=False),
    PhotoSpec("card", 5.6, 1, portrait_pixels=False),
    PhotoSpec("card", 4.6, 6, portrait_pixels=False),
    PhotoSpec("card", 4.2, 1, portrait_pixels=True),
    PhotoSpec("card", 5.8, 6, portrait_pixels=False),
    PhotoSpec("business", 4.4, 1, portrait_pixels=False),
    PhotoSpec("business", 5.5, 1, portrait_pixels=False),
    PhotoSpec("business", 4.8, 6, portrait_pixels=False),
    PhotoSpec("business", 4.1, 1, portrait_pixels=True),
    PhotoSpec("business", 5.9, 6, portrait_pixels=False),
)


@dataclass(frozen=True, slots=True)
class Photo:
    spec: PhotoSpec
    data: bytes


def certificate_png(cache: Path = CACHE) -> bytes:
    """A scanned-certificate-like greyscale PNG of about 1 MB."""
    path = cache / "certificate.png"
    if not path.exists():
        page = Image.effect_noise(A4_150_DPI, _CERTIFICATE_NOISE_SIGMA)
        _write(path, _encode(page, "PNG"))
    return path.read_bytes()


def pixel_heavy_png(cache: Path = CACHE) -> bytes:
    """A transparent RGBA PNG of PIXEL_HEAVY_SIZE: about 300 KB of file."""
    path = cache / "pixel-heavy.png"
    if not path.exists():
        _write(path, sparse_png(*PIXEL_HEAVY_SIZE))
    return path.read_bytes()


def phone_photos(cache: Path = CACHE) -> list[Photo]:
    """One JPEG per spec of PHOTO_MIX, each within 4 to 6 MB."""
    missing = [spec for spec in PHOTO_MIX if not (cache / spec.name).exists()]
    if missing:
        scene = _scene()
        for spec in missing:
            pixels = scene.transpose(Image.Transpose.ROTATE_90) if spec.portrait_pixels else scene
            _write(
                cache / spec.name, _jpeg_near(pixels, spec.target_mb * MB, spec.exif_orientation)
            )
    photos = [Photo(spec, (cache / spec.name).read_bytes()) for spec in PHOTO_MIX]
    for photo in photos:
        if not 4 * MB <= len(photo.data) <= 6 * MB:
            raise RuntimeError(f"{photo.spec.name} is {len(photo.data)} bytes, not 4-6 MB")
    return photos


def _scene() -> Image.Image:
    """12 megapixels of colour gradients under grain."""
    ramp = Image.linear_gradient("L").resize(PHONE_SIZE)
    across = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(PHONE_SIZE)
    colours = Image.merge("RGB", (ramp, across, ImageChops.invert(ramp)))
    grain = Image.effect_noise(PHONE_SIZE, _PHOTO_NOISE_SIGMA).convert("RGB")
    return Image.blend(colours, grain, _PHOTO_NOISE_SHARE)


def _jpeg_near(image: Image.Image, target_bytes: float, orientation: int) -> bytes:
    """The JPEG quality whose file comes closest to `target_bytes`, found by bisection."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    low, high = 50, 98
    best = b""
    while low <= high:
        quality = (low + high) // 2
        data = _encode(image, "JPEG", quality=quality, exif=exif)
        if not best or abs(len(data) - target_bytes) < abs(len(best) - target_bytes):
            best = data
        if len(data) < target_bytes:
            low = quality + 1
        else:
            high = quality - 1
    return best


def _encode(image: Image.Image, format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Whole files only, so an interrupted run leaves nothing half-written in the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(path)

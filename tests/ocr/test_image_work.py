"""Image work runs in worker threads, never more at once than its slots, and never holding
more decoded pixels at once than its memory budget."""

import asyncio
import io
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PIL import Image

from bot.blocks.errors import explain
from bot.config import MB, Settings
from bot.errors import UnreadableImage
from bot.ocr import DocumentKind
from bot.ocr.image_work import BeyondBudget, ImageWork, MemoryBudget, pixel_bytes
from bot.ocr.pdf import RENDER_BYTES_PER_PIXEL, pdf_pages
from bot.ocr.preflight import prepare
from tests.ocr.images import encode, noisy_jpeg, numbered_pdf, sparse_png
from tests.support.helpers import eventually_blocking

# Pillow's allocator counts memory in blocks of this size in the test below.
_PILLOW_BLOCK = 1024 * 1024


class AtOnce:
    """Counts the threads inside `with` at once; `most` is the highest count seen."""

    def __init__(self) -> None:
        self.most = 0
        self._running = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self._running += 1
            self.most = max(self.most, self._running)

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._running -= 1


async def test_no_more_than_its_slots_run_at_once_and_each_result_comes_back() -> None:
    work = ImageWork(slots=2)
    at_once = AtOnce()

    def busy(value: int) -> tuple[int, str]:
        with at_once:
            time.sleep(0.02)
        return value, threading.current_thread().name

    results = await asyncio.gather(*(work.run(busy, n) for n in range(10)))

    assert [value for value, _ in results] == list(range(10))
    assert at_once.most == 2
    assert threading.main_thread().name not in {name for _, name in results}


def test_by_default_there_is_a_slot_per_core() -> None:
    assert ImageWork().slots == (os.cpu_count() or 1)


# The memory budget


def test_decoded_bytes_are_what_pillow_allocates() -> None:
    # Pillow's own allocator counts the blocks it hands out: with 1 MiB blocks, an image
    # 1024 pixels wide takes one block per byte it keeps a pixel.
    core = Image.core
    block_size = core.get_block_size()
    core.set_block_size(_PILLOW_BLOCK)
    try:
        for mode in ("1", "L", "P", "I;16", "LA", "RGB", "RGBA", "I", "F", "CMYK"):
            before = core.get_stats()["allocated_blocks"]
            image = Image.new(mode, (1024, 1024))
            allocated = core.get_stats()["allocated_blocks"] - before
            assert pixel_bytes(mode, image.size) == allocated * _PILLOW_BLOCK, mode
            del image
    finally:
        core.set_block_size(block_size)


def holding(budget: MemoryBudget, nbytes: int) -> tuple[threading.Thread, threading.Event]:
    """A thread that reserves `nbytes` and holds them until the returned event is set."""
    release = threading.Event()

    def hold() -> None:
        with budget.reserve(nbytes):
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    return thread, release


def test_reservations_that_fit_are_held_together_and_given_back() -> None:
    budget = MemoryBudget(100)
    first, release_first = holding(budget, 60)
    second, release_second = holding(budget, 40)

    eventually_blocking(lambda: budget.free_bytes == 0)
    release_first.set()
    release_second.set()
    first.join()
    second.join()
    assert budget.free_bytes == 100


def test_work_that_does_not_fit_waits_until_the_bytes_are_free() -> None:
    budget = MemoryBudget(100)
    holder, release = holding(budget, 70)
    eventually_blocking(lambda: budget.free_bytes == 30)
    granted = threading.Event()

    def want_50() -> None:
        with budget.reserve(50):
            granted.set()

    waiter = threading.Thread(target=want_50)
    waiter.start()
    time.sleep(0.05)
    assert not granted.is_set()

    release.set()
    waiter.join(5)
    holder.join()
    assert granted.is_set()
    assert budget.free_bytes == 100


def test_a_large_reservation_is_not_overtaken_by_later_small_ones() -> None:
    budget = MemoryBudget(100)
    holder, release = holding(budget, 60)
    eventually_blocking(lambda: budget.free_bytes == 40)
    order: list[str] = []

    def want(name: str, nbytes: int) -> None:
        with budget.reserve(nbytes):
            order.append(name)

    large = threading.Thread(target=want, args=("large", 80))
    large.start()
    time.sleep(0.05)  # the large one is first in line
    small = threading.Thread(target=want, args=("small", 10))
    small.start()
    time.sleep(0.05)
    assert order == []  # 10 bytes are free, but the small one waits its turn

    release.set()
    for thread in (holder, large, small):
        thread.join(5)
    assert order == ["large", "small"]


def test_more_than_the_whole_budget_is_refused_at_once() -> None:
    budget = MemoryBudget(100)
    assert budget.fits(100)
    assert not budget.fits(101)
    with pytest.raises(BeyondBudget), budget.reserve(101):
        pass
    assert budget.free_bytes == 100


def test_bytes_come_back_when_the_work_fails() -> None:
    budget = MemoryBudget(100)
    with pytest.raises(RuntimeError), budget.reserve(100):
        raise RuntimeError("decoder crashed")
    assert budget.free_bytes == 100


async def test_image_work_runs_no_more_at_once_than_the_budget_holds() -> None:
    work = ImageWork(slots=4, budget_bytes=100)
    at_once = AtOnce()

    def decode(value: int) -> int:
        with work.budget.reserve(40), at_once:
            time.sleep(0.02)
        return value

    results = await asyncio.gather(*(work.run(decode, n) for n in range(8)))

    assert results == list(range(8))
    assert at_once.most == 2  # four slots, but 100 bytes hold two reservations of 40


def test_the_budget_comes_from_image_memory_budget_mb(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).image_memory_budget_mb == 400
    monkeypatch.setenv("IMAGE_MEMORY_BUDGET_MB", "64")
    settings = Settings(_env_file=None)
    work = ImageWork(budget_bytes=settings.image_memory_budget_mb * MB)
    assert work.budget.total_bytes == 64 * MB
    assert ImageWork().budget.total_bytes == 400 * MB


# What each kind of image work reserves


class RecordingBudget(MemoryBudget):
    def __init__(self, total_bytes: int) -> None:
        super().__init__(total_bytes)
        self.reserved: list[int] = []

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        self.reserved.append(nbytes)
        with super().reserve(nbytes):
            yield


def test_a_transparent_png_reserves_its_decode_and_its_flattened_copy() -> None:
    budget = RecordingBudget(400 * MB)
    data = encode(Image.new("RGBA", (3000, 2000), (0, 0, 0, 0)), "PNG")

    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, 5 * MB, budget)

    # RGBA decoded and RGB flattened, four bytes a pixel each.
    assert budget.reserved == [3000 * 2000 * 4 * 2]
    assert (upload.width, upload.height) == (3000, 2000)
    assert budget.free_bytes == budget.total_bytes


def test_an_image_over_the_output_cap_is_reduced_band_by_band() -> None:
    budget = RecordingBudget(400 * MB)
    # 25 MP with transparency to flatten, over MAX_OUTPUT_PIXELS: reduced by two.
    data = sparse_png(5000, 5000)

    upload = prepare(data, "scan.png", DocumentKind.BUSINESS, 1 * MB, budget)

    assert (upload.width, upload.height) == (2500, 2500)
    # The decoded RGBA beside its reduced RGB copy, never a full-size copy.
    assert budget.reserved == [5000 * 5000 * 4 + 2500 * 2500 * 4]


def test_nothing_is_decoded_before_the_reservation() -> None:
    # Asked for a PNG's EXIF, Pillow decodes the whole image to look for an eXIf chunk
    # after the pixels: 317 MB of an 80 MP PNG, outside any budget.
    blocks_before = Image.core.get_stats()["allocated_blocks"]
    blocks_at_reservation: list[int] = []

    class Watching(MemoryBudget):
        @contextmanager
        def reserve(self, nbytes: int) -> Iterator[None]:
            blocks_at_reservation.append(Image.core.get_stats()["allocated_blocks"])
            with super().reserve(nbytes):
                yield

    prepare(sparse_png(3000, 3000), "scan.png", DocumentKind.BUSINESS, MB, Watching(400 * MB))

    assert blocks_at_reservation == [blocks_before]


def test_a_png_alone_over_the_budget_is_refused_naming_its_size() -> None:
    budget = RecordingBudget(16 * MB)
    data = sparse_png(2400, 2000)  # 19 MB decoded, before its flattened copy

    with pytest.raises(UnreadableImage) as refused:
        prepare(data, "scan.png", DocumentKind.BUSINESS, 5 * MB, budget)

    assert budget.reserved == []  # refused before anything was decoded
    message = explain(refused.value)
    assert "2400 x 2000 pixels" in message.en
    assert "JPG" in message.en
    assert "2400×2000" in message.ko
    assert "JPG" in message.ko
    # What it suggests fits: 2 MP at four bytes a pixel, twice, is within 16 MiB.
    assert "2 megapixels" in message.en


def test_a_jpeg_alone_over_the_budget_is_decoded_at_an_eighth() -> None:
    budget = RecordingBudget(16 * MB)
    data = noisy_jpeg((4000, 3000))  # at the usual half scale: 2 x 12 MB

    upload = prepare(data, "photo.jpg", DocumentKind.BUSINESS, 1 * MB, budget)

    assert (upload.width, upload.height) == (500, 375)
    assert budget.reserved == [2 * 500 * 375 * 4]


def test_a_pdf_page_too_large_for_the_budget_is_rendered_smaller() -> None:
    budget = RecordingBudget(16 * MB)

    [page] = pdf_pages(numbered_pdf(1), 5, MB, budget).pages

    width, height = Image.open(io.BytesIO(page)).size
    # A4 at 200 dpi would be 1653 x 2339 (3.9 MP, 31 MB rendered); 2 MP fit, give or take
    # the row and the column that rounding each side up adds.
    most_pixels = budget.total_bytes // RENDER_BYTES_PER_PIXEL
    assert most_pixels * 0.99 < width * height <= most_pixels + width + height + 1
    assert budget.reserved == [min(width * height * RENDER_BYTES_PER_PIXEL, budget.total_bytes)]

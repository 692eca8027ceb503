"""Image work in worker threads: no more at once than the machine has cores, and no more
decoded pixels held at once than the memory budget.

Decoding, turning, encoding and redacting are CPU-bound: more threads than cores finish
no sooner. Memory is another matter: a 300 KB PNG can declare 80 megapixels, 320 MB once
decoded, so a count of images bounds nothing. Each piece of work reserves the bytes of
the pixel buffers it will hold at its peak (width x height x bytes per pixel, at the scale
it will actually decode), and waits until they are free.
"""

import asyncio
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from bot.config import DEFAULT_IMAGE_MEMORY_BUDGET_MB, MB

P = ParamSpec("P")
T = TypeVar("T")

# Bytes Pillow keeps per pixel: one byte for 1, L and P, two for the 16-bit modes, four for
# everything else (RGB is stored as four bytes too, the fourth unused).
_ONE_BYTE_MODES = frozenset({"1", "L", "P"})


def pixel_bytes(mode: str, size: tuple[int, int]) -> int:
    """The bytes of a decoded image of `mode` and `size` in Pillow's memory.

    >>> pixel_bytes("RGBA", (8900, 8900)) // 1_000_000
    316
    >>> [pixel_bytes(mode, (100, 100)) for mode in ("L", "I;16", "RGB")]
    [10000, 20000, 40000]
    """
    per_pixel = 1 if mode in _ONE_BYTE_MODES else 2 if mode.startswith("I;16") else 4
    return size[0] * size[1] * per_pixel


class BeyondBudget(Exception):
    """The work alone needs more than the whole budget: it would wait forever."""


class MemoryBudget:
    """Decoded bytes that image work may hold at once, shared by the worker threads.

    Reservations are granted first come, first served: a large image waiting is not
    overtaken forever by small ones. Reserve once per piece of work, never nested, so that
    whatever holds bytes is running and will give them back.
    """

    def __init__(self, total_bytes: int = DEFAULT_IMAGE_MEMORY_BUDGET_MB * MB) -> None:
        if total_bytes <= 0:
            raise ValueError("the memory budget must be positive")
        self.total_bytes = total_bytes
        self._free = total_bytes
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()

    @property
    def free_bytes(self) -> int:
        with self._changed:
            return self._free

    def fits(self, nbytes: int) -> bool:
        """Whether work needing `nbytes` can ever run (alone, when nothing else holds any)."""
        return nbytes <= self.total_bytes

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        """Hold `nbytes` of the budget for the block, waiting (in this thread) until they
        are free and every earlier reservation has been granted.

        Raises BeyondBudget when `nbytes` is more than the whole budget.
        """
        if not self.fits(nbytes):
            raise BeyondBudget(f"{nbytes} bytes asked of a {self.total_bytes}-byte budget")
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            try:
                self._changed.wait_for(lambda: self._queue[0] is ticket and self._free >= nbytes)
            finally:
                self._queue.remove(ticket)
                self._changed.notify_all()  # the next in line may fit now
            self._free -= nbytes
        try:
            yield
        finally:
            with self._changed:
                self._free += nbytes
                self._changed.notify_all()


class ImageWork:
    """Runs image functions in worker threads, one per core, sharing one MemoryBudget.

    The functions reserve their bytes themselves (they know what they will decode), from
    the `budget` their callers pass them.
    """

    def __init__(self, slots: int | None = None, *, budget_bytes: int | None = None) -> None:
        self.slots = slots or os.cpu_count() or 1
        self.budget = MemoryBudget() if budget_bytes is None else MemoryBudget(budget_bytes)
        self._free = asyncio.Semaphore(self.slots)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in a worker thread, once a slot is free."""
        async with self._free:
            return await asyncio.to_thread(function, *args, **kwargs)

"""Image work in worker threads, as many at once as the machine has cores.

Decoding, turning, encoding and redacting are CPU-bound: more threads than cores finish
no sooner, and each one holds a decoded image. The limit keeps the event loop free and the
process's memory bounded however many uploads arrive at once.
"""

import asyncio
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ImageWork:
    def __init__(self, slots: int | None = None) -> None:
        self.slots = slots or os.cpu_count() or 1
        self._free = asyncio.Semaphore(self.slots)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in a worker thread, once a slot is free."""
        async with self._free:
            return await asyncio.to_thread(function, *args, **kwargs)

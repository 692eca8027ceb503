"""Image work runs in worker threads, never more at once than its slots."""

import asyncio
import os
import threading
import time

from bot.ocr.image_work import ImageWork


async def test_no_more_than_its_slots_run_at_once_and_each_result_comes_back() -> None:
    work = ImageWork(slots=2)
    running, most = 0, 0
    lock = threading.Lock()

    def busy(value: int) -> tuple[int, str]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return value, threading.current_thread().name

    results = await asyncio.gather(*(work.run(busy, n) for n in range(10)))

    assert [value for value, _ in results] == list(range(10))
    assert most == 2
    assert threading.main_thread().name not in {name for _, name in results}


def test_by_default_there_is_a_slot_per_core() -> None:
    assert ImageWork().slots == (os.cpu_count() or 1)

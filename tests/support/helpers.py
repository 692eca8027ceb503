"""Small helpers every test package uses: what a message shows, and waiting for a condition."""

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from bot.blocks.message import Message
from fakes.slack import ApiCall

# Short enough that a test waits little past the moment, long enough to leave the CPU to
# the bot and the fakes.
POLL_INTERVAL_S = 0.02


def shown(message: ApiCall | Message | Mapping[str, Any]) -> str:
    """Everything a message shows, to search with `in`: its blocks as JSON (Korean as it is,
    not escaped) and its fallback text. Takes a Web API call to the fake, a built Message,
    or a body with `blocks` and `text` (a response_url answer, call params, a view)."""
    if isinstance(message, ApiCall):
        message = message.params
    elif isinstance(message, Message):
        message = message.as_kwargs()
    return json.dumps(message.get("blocks"), ensure_ascii=False) + str(message.get("text", ""))


async def eventually(condition: Callable[[], bool], *, timeout_s: float = 10) -> None:
    """Wait, letting the event loop run, until `condition()` holds; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s")
        await asyncio.sleep(POLL_INTERVAL_S)


def eventually_blocking(condition: Callable[[], bool], *, timeout_s: float = 10) -> None:
    """`eventually` for a test without an event loop, waiting on other threads."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s")
        time.sleep(POLL_INTERVAL_S)

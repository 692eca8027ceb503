"""Stopping the bot: the job worker ends at once, whatever it was waiting for."""

import asyncio

import pytest

from tests.handlers.conftest import RunningBot


async def test_the_worker_stops_when_cancelled_as_a_job_frees_its_slot(bot: RunningBot) -> None:
    uploads = bot.runtime.services.uploads
    waiting = asyncio.create_task(uploads.wait_for_slot(60))
    await asyncio.sleep(0)

    # A job finishing in the same turn of the loop as the shutdown's cancel: the worker
    # must still stop, or the runtime's exit waits a whole poll interval, again and again.
    uploads._slot_freed.set()
    waiting.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(waiting), 5)

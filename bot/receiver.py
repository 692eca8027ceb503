"""The receiver: a thread with an event loop of its own, on which Slack's requests (over
HTTP or Socket Mode) and the probes are received and answered.

All the bot's work (the store, the services, Bolt's listeners, jobs) stays on the main
loop; under a burst that loop has thousands of callbacks queued, and an acknowledgement
queued behind them came late (Slack's deadline is 3 s). On a loop of its own the
receiver answers at once what bot.slack.acks says it can, and hands the rest over
(`MainLoop`).
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.slack.listener_tasks import finish_within

log = logging.getLogger(__name__)

T = TypeVar("T")


class ReceiverFailed(RuntimeError):
    """The receiver's loop ended without being asked to: nothing from Slack is received."""


class MainLoop:
    """The main loop as the receiver sees it: work handed over to it from the receiver's
    thread, each piece a task of the main loop's, kept until it ends so that shutdown
    can wait for it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._running: set[asyncio.Task[Any]] = set()  # touched on the main loop only

    def hand_over(self, work: Coroutine[Any, Any, object]) -> None:
        """Start `work` on the main loop, and log what it raises: nobody awaits it."""
        self._submit(work).add_done_callback(_log_failure)

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work` run on the main loop, awaited on the caller's own loop; cancelling the
        wait cancels the work."""
        return await asyncio.wrap_future(self._submit(work))

    async def finish(self, grace_s: float) -> int:
        """On the main loop, once the receiver has stopped: wait up to `grace_s` for the
        work handed over, cancel what still runs then, and return how many that was."""
        await asyncio.sleep(0)  # work handed over before now gets its task first
        return await finish_within(self._running, grace_s)

    def _submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        answer: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(self._start, work, answer)
        return answer

    def _start(self, work: Coroutine[Any, Any, T], answer: concurrent.futures.Future[T]) -> None:
        """On the main loop: the task, tracked from the moment it exists; its outcome
        goes to `answer`, and cancelling `answer` cancels it."""
        if answer.cancelled():
            work.close()
            return
        task = self._loop.create_task(work)
        self._running.add(task)

        def ended(task: asyncio.Task[T]) -> None:
            self._running.discard(task)
            if task.cancelled():
                answer.cancel()
            # (False when the receiver cancelled it meanwhile; from here on it cannot.)
            elif answer.set_running_or_notify_cancel():
                if (error := task.exception()) is not None:
                    answer.set_exception(error)
                else:
                    answer.set_result(task.result())

        def cancelled(answer: concurrent.futures.Future[T]) -> None:
            if answer.cancelled() and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(task.cancel)

        task.add_done_callback(ended)
        answer.add_done_callback(cancelled)


def _log_failure(future: concurrent.futures.Future[object]) -> None:
    if not future.cancelled() and (error := future.exception()) is not None:
        log.error("A request handed to the main loop failed", exc_info=error)


class Receiver:
    """The thread and its event loop. `start` it from the main loop, `run` coroutines on
    it (opening and closing the transports), and `stop` it; `failure` raises when its loop
    ends by itself, so that the process does not live on deaf."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="receiver", daemon=True)
        self._stopping = False
        self._main: asyncio.AbstractEventLoop | None = None
        self._ended: asyncio.Future[None] | None = None

    def start(self) -> None:
        self._main = asyncio.get_running_loop()
        self._ended = self._main.create_future()
        self._thread.start()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work` run on the receiver's loop, awaited on the main loop."""
        if not self._thread.is_alive():
            work.close()
            raise ReceiverFailed("the receiver is not running")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    async def failure(self) -> None:
        """Wait while the receiver runs: return once it stops as asked, raise
        ReceiverFailed when its loop ends by itself."""
        if self._ended is None:
            raise RuntimeError("the receiver has not started")
        await asyncio.shield(self._ended)

    async def stop(self) -> None:
        """End the loop (close the transports on it first, with `run`) and join the thread."""
        if self._ended is None:
            return
        self._stopping = True
        with contextlib.suppress(RuntimeError):  # closed already: it ended by itself
            self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)
        with contextlib.suppress(ReceiverFailed):  # logged when it happened
            await asyncio.shield(self._ended)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        error: BaseException | None = None
        try:
            self._loop.run_forever()
        except BaseException as failed:  # whatever ends the loop must reach the main thread
            error = failed
            log.critical("The receiver's loop failed", exc_info=failed)
        finally:
            self._close_loop()
            if self._main is not None:
                with contextlib.suppress(RuntimeError):  # the main loop has closed
                    self._main.call_soon_threadsafe(self._settle, error)

    def _settle(self, error: BaseException | None) -> None:
        """On the main loop: how the receiver ended."""
        if self._ended is None or self._ended.done():
            return
        if error is None and self._stopping:
            self._ended.set_result(None)
        else:
            self._ended.set_exception(ReceiverFailed(f"the receiver's loop ended: {error!r}"))

    def _close_loop(self) -> None:
        """Cancel what still runs on the loop (a transport's background tasks), as
        asyncio.run does, then close it."""
        loop = self._loop
        running = asyncio.all_tasks(loop)
        for task in running:
            task.cancel()
        if running:
            loop.run_until_complete(asyncio.gather(*running, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

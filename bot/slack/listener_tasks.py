"""The Bolt listener tasks still running after their `ack()`.

Bolt answers Slack as soon as a listener acknowledges, and lets the listener go on in a
task of its own that nothing awaits. Stopping the process then would close the store
under a listener that has already answered the user but not yet written its audit row or
its team alert; the runtime waits for these tasks instead.
"""

import asyncio
from typing import Any, Self

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse


class ListenerTasks(AsyncListenerStartHandler):
    """Bolt calls this at the start of each listener, inside the listener's own task:
    the task is kept until it ends."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    @classmethod
    def track(cls, app: AsyncApp) -> Self:
        tasks = cls()
        app.listener_runner.listener_start_handler = tasks
        return tasks

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def __len__(self) -> int:
        return len(self._running)

    async def finish(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for the running listeners; cancel those still running
        then, and return how many that was."""
        return await finish_within(self._running, timeout_s)


async def finish_within(tasks: set[asyncio.Task[Any]], grace_s: float) -> int:
    """Wait up to `grace_s` for `tasks`; cancel those still running then, wait for the
    cancellations to land, and return how many were cancelled."""
    if not tasks:
        return 0
    _, pending = await asyncio.wait(set(tasks), timeout=max(grace_s, 0))
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    return len(pending)

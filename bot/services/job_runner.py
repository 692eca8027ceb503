"""Runs durable jobs in this process: slots, claims, leases kept alive, backoff, shutdown.

It knows nothing of what a job does: whoever builds it gives the queue the jobs are
recorded in and the work to perform on one. A process claims only the jobs it can run
now; the rest stay pending in the store for whichever process frees a slot first, so
leases are held only while working and memory does not grow with the jobs waiting.

The holder keeps a short lease alive while it works (a heartbeat every third of it), so
a job whose process died is free again within the lease.
"""

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.store import JobHolder

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = timedelta(minutes=15)
_MAX_DOUBLINGS = 20  # far past MAX_RETRY_DELAY, and short of overflowing timedelta


class HeldJob(Protocol):
    """A job as the queue hands it out: its id is all the runner reads."""

    @property
    def id(self) -> int: ...


Job = TypeVar("Job", bound=HeldJob)
Job_co = TypeVar("Job_co", bound=HeldJob, covariant=True)


class JobQueue(Protocol[Job_co]):
    """Where jobs are recorded (the store): claims and leases, by worker."""

    async def claim_job(
        self, job_id: int, worker_id: str, *, now: datetime, lease: timedelta
    ) -> Job_co | None: ...

    async def claim_jobs(
        self, worker_id: str, *, now: datetime, lease: timedelta, limit: int = 1
    ) -> Sequence[Job_co]: ...

    async def extend_lease(
        self, job_id: int, worker_id: str, *, now: datetime, lease: timedelta
    ) -> bool: ...


def worker_name() -> str:
    """This process's name in the store's claims: host, process id, and a nonce."""
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def retry_delay(
    attempts: int, *, poll_interval: timedelta, retry_after_s: float | None = None
) -> timedelta:
    """Before trying again: one poll interval, doubling with every attempt, or the
    server's Retry-After when longer; at most MAX_RETRY_DELAY.

    The worker could not pick a job up sooner than its next poll anyway.

    >>> retry_delay(3, poll_interval=timedelta(seconds=5))
    datetime.timedelta(seconds=20)
    >>> retry_delay(1, poll_interval=timedelta(seconds=5), retry_after_s=30)
    datetime.timedelta(seconds=30)
    """
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    delay = poll_interval * (1 << doublings)
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return min(delay, MAX_RETRY_DELAY)


class JobRunner(Generic[Job]):
    """Performs claimed jobs, at most `slots` at a time, each under a lease it keeps alive.

    The runtime's worker calls `start_due` and `wait_for_slot` in turn, and `stop` at
    shutdown; whoever records a job calls `record_and_perform` (or `perform_now`, for a job
    recorded earlier) to run it at once.
    """

    def __init__(
        self,
        queue: JobQueue[Job],
        perform: Callable[[Job], Awaitable[None]],
        *,
        worker_id: str,
        slots: int,
        lease: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        """`perform` does a claimed job's work; what it raises leaves the job held until
        its lease runs out, when it is claimed again."""
        self._queue = queue
        self._perform = perform
        self._worker_id = worker_id
        self._slots = slots
        self._lease = lease
        self._clock = clock
        self._busy = 0
        self._slot_freed = asyncio.Event()
        # A job recorded here found every slot taken, perhaps by a claim that looked before
        # the job existed (a slow database): the worker must look again without waiting
        # a whole poll interval.
        self._deferred = False
        self._started: set[asyncio.Task[None]] = set()

    async def record_and_perform(
        self,
        record: Callable[[JobHolder | None], Awaitable[Job | None]],
        perform: Callable[[Job], Awaitable[None]] | None = None,
    ) -> Job | None:
        """Record a new job through `record` and, when a slot is free, perform it at once
        in the caller's task: `record` is then given this process as the holder to record
        it claimed by (one transaction, where a record and then a claim would be two); with
        None it records the job unclaimed, pending for the worker.

        Returns what `record` returned: the job, or None when it was recorded before (and
        nothing is performed). What `record` raises is raised, with nothing recorded;
        `perform` replaces the usual work, as in `perform_now`, and never raises here.
        """
        if self._busy >= self._slots:
            recorded = await record(None)
            if recorded is not None:
                self._defer()
            return recorded
        self._busy += 1
        try:
            recorded = await record(JobHolder(self._worker_id, self._lease))
            if recorded is not None:
                await self._perform_held(recorded, perform or self._perform)
            return recorded
        finally:
            self._free_slot()

    async def perform_now(
        self, job_id: int, perform: Callable[[Job], Awaitable[None]] | None = None
    ) -> None:
        """Claim and perform a job this process recorded earlier, in the caller's task, if
        a slot is free; else it stays pending for the worker. `perform` replaces the usual
        work, for a caller that knows more of the job than the queue keeps. Never raises."""
        if self._busy >= self._slots:
            self._defer()
            return
        self._busy += 1
        try:
            try:
                claimed = await self._queue.claim_job(
                    job_id, self._worker_id, now=self._clock(), lease=self._lease
                )
            except Exception:
                # The job is recorded and due: the worker claims it on a later pass.
                log.warning("Job %s left for the worker: claim failed", job_id, exc_info=True)
                return
            if claimed is not None:
                await self._perform_held(claimed, perform or self._perform)
        finally:
            self._free_slot()

    async def start_due(self) -> int:
        """Start as many due jobs (or jobs whose worker died) as there are free slots;
        how many started. They run in the background."""
        free = self._slots - self._busy
        if free <= 0:
            return 0
        self._busy += free  # held while claiming, so no event handler takes them meanwhile
        try:
            jobs = await self._queue.claim_jobs(
                self._worker_id, now=self._clock(), lease=self._lease, limit=free
            )
        finally:
            self._busy -= free
        for job in jobs:
            self._busy += 1
            task = asyncio.create_task(self._perform_in_slot(job))
            self._started.add(task)
            task.add_done_callback(self._started.discard)
        return len(jobs)

    async def wait_for_slot(self, timeout_s: float) -> None:
        """Until a job finishes in this process, or `timeout_s`: when to look for work again.

        At once when a job recorded here meanwhile found no free slot.
        """
        self._slot_freed.clear()
        if self._deferred:
            self._deferred = False
            return
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives as
        # the slot frees, and the worker would then outlive the runtime's shutdown.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._slot_freed.wait()

    async def stop(self, grace_s: float) -> None:
        """At shutdown, once the worker no longer calls `start_due`: let running jobs end
        within `grace_s`, then cancel the ones this runner started. A job still unfinished
        keeps its lease until it runs out, and another process then takes it over."""
        deadline = asyncio.get_running_loop().time() + grace_s
        while self._busy and (left := deadline - asyncio.get_running_loop().time()) > 0:
            await self.wait_for_slot(left)
        for task in self._started:
            task.cancel()

    async def _perform_in_slot(self, job: Job) -> None:
        try:
            await self._perform_held(job, self._perform)
        finally:
            self._free_slot()

    async def _perform_held(self, job: Job, perform: Callable[[Job], Awaitable[None]]) -> None:
        """Perform a claimed job with its lease kept alive. Never raises."""
        async with self._lease_kept(job):
            try:
                await perform(job)
            except Exception:
                # Failures of the store (or of Slack while telling of a failure): the job
                # stays held until its lease runs out, and is then performed again.
                log.exception("Job %s stopped unsettled; it runs again after its lease", job.id)

    def _defer(self) -> None:
        """A job pending here found every slot taken: the worker looks again now."""
        self._deferred = True
        self._slot_freed.set()

    def _free_slot(self) -> None:
        self._busy -= 1
        self._slot_freed.set()

    @contextlib.asynccontextmanager
    async def _lease_kept(self, job: Job) -> AsyncIterator[None]:
        async def renew() -> None:
            # A third of the lease apart: two renewals may fail (a database blip) before
            # the job is free for another process.
            while True:
                await asyncio.sleep(self._lease.total_seconds() / 3)
                try:
                    held = await self._queue.extend_lease(
                        job.id, self._worker_id, now=self._clock(), lease=self._lease
                    )
                except Exception as error:
                    log.warning("Job %s: lease not renewed: %s", job.id, type(error).__name__)
                    continue
                if not held:
                    return  # finished meanwhile, or taken over: completion will tell

        renewal = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

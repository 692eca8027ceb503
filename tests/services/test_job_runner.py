"""The job runner on a real store: slots, claims, leases kept alive, and shutdown.

The jobs are upload jobs, as the store keeps them, but the work is the test's own: the
runner knows nothing of what a job does.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.job_runner import MAX_RETRY_DELAY, JobRunner, retry_delay
from bot.store import ClaimedJob, JobHolder, JobState, Store
from tests.store.jobs import upload

WORKER = "here:1:abc"


def now() -> datetime:
    return datetime.now(UTC)


def runner(
    store: Store,
    perform: Callable[[ClaimedJob], Awaitable[None]],
    *,
    slots: int = 2,
    lease: timedelta = timedelta(minutes=5),
) -> JobRunner[ClaimedJob]:
    return JobRunner(store, perform, worker_id=WORKER, slots=slots, lease=lease, clock=now)


async def record(store: Store, file_id: str) -> int:
    recorded = await store.enqueue_upload(upload(file_id), now=now())
    assert recorded is not None
    return recorded.id


async def test_a_job_recorded_here_is_performed_at_once_and_only_once(store: Store) -> None:
    performed: list[int] = []

    async def perform(job: ClaimedJob) -> None:
        performed.append(job.id)
        await store.complete_job(job.id, WORKER, now=now())

    jobs = runner(store, perform)
    job_id = await record(store, "F1")

    await jobs.perform_now(job_id)
    await jobs.perform_now(job_id)  # a duplicate delivery

    assert performed == [job_id]
    assert await jobs.start_due() == 0
    job = await store.get_job(job_id)
    assert job is not None
    assert job.state is JobState.DONE


async def test_a_job_recorded_with_a_free_slot_is_recorded_claimed_and_performed(
    store: Store,
) -> None:
    performed: list[ClaimedJob] = []

    async def perform(job: ClaimedJob) -> None:
        performed.append(job)
        await store.complete_job(job.id, WORKER, now=now())

    async def record_f1(holder: JobHolder | None) -> ClaimedJob | None:
        return await store.enqueue_upload(upload("F1"), now=now(), holder=holder)

    jobs = runner(store, perform)
    recorded = await jobs.record_and_perform(record_f1)
    again = await jobs.record_and_perform(record_f1)  # a duplicate delivery

    assert recorded is not None
    assert again is None
    [job] = performed
    assert (job.id, job.worker_id, job.attempts) == (recorded.id, WORKER, 1)
    assert await jobs.start_due() == 0
    done = await store.get_job(recorded.id)
    assert done is not None
    assert done.state is JobState.DONE


async def test_a_job_recorded_without_a_free_slot_is_left_for_the_worker(store: Store) -> None:
    release = asyncio.Event()
    performed: list[int] = []

    async def perform(job: ClaimedJob) -> None:
        performed.append(job.id)
        await release.wait()
        await store.complete_job(job.id, WORKER, now=now())

    holders: list[JobHolder | None] = []

    async def record_f2(holder: JobHolder | None) -> ClaimedJob | None:
        holders.append(holder)
        return await store.enqueue_upload(upload("F2"), now=now(), holder=holder)

    jobs = runner(store, perform, slots=1)
    first = await record(store, "F1")
    busy = asyncio.create_task(jobs.perform_now(first))
    await asyncio.sleep(0.2)

    second = await jobs.record_and_perform(record_f2)

    assert holders == [None]
    assert second is not None
    assert second.state is JobState.PENDING
    await asyncio.wait_for(jobs.wait_for_slot(60), 1)  # the worker is told to look again
    release.set()
    await busy
    assert await jobs.start_due() == 1
    await asyncio.wait_for(jobs.wait_for_slot(60), 5)
    assert performed == [first, second.id]


async def test_a_failed_record_is_raised_and_frees_its_slot(store: Store) -> None:
    async def perform(job: ClaimedJob) -> None:
        raise AssertionError("nothing was recorded to perform")

    async def record_failing(holder: JobHolder | None) -> ClaimedJob | None:
        raise ConnectionError("the database went away")

    jobs = runner(store, perform, slots=1)
    with pytest.raises(ConnectionError):
        await jobs.record_and_perform(record_failing)

    seen: list[int] = []

    async def callers(job: ClaimedJob) -> None:
        seen.append(job.id)

    job_id = await record(store, "F1")
    await jobs.perform_now(job_id, callers)  # the one slot is free again
    assert seen == [job_id]


async def test_the_callers_work_replaces_the_usual_one(store: Store) -> None:
    async def usual(job: ClaimedJob) -> None:
        raise AssertionError("the caller's work was not used")

    seen: list[int] = []

    async def callers(job: ClaimedJob) -> None:
        seen.append(job.id)

    job_id = await record(store, "F1")
    await runner(store, usual).perform_now(job_id, callers)

    assert seen == [job_id]


async def test_a_job_finding_no_free_slot_waits_for_the_worker(store: Store) -> None:
    release = asyncio.Event()
    performed: list[int] = []

    async def perform(job: ClaimedJob) -> None:
        performed.append(job.id)
        await release.wait()
        await store.complete_job(job.id, WORKER, now=now())

    jobs = runner(store, perform, slots=1)
    first, second = await record(store, "F1"), await record(store, "F2")
    busy = asyncio.create_task(jobs.perform_now(first))
    await asyncio.sleep(0.2)

    await jobs.perform_now(second)  # every slot taken: left pending

    assert performed == [first]
    await asyncio.wait_for(jobs.wait_for_slot(60), 1)  # the worker is told to look again
    assert await jobs.start_due() == 0  # still no free slot
    release.set()
    await busy
    assert await jobs.start_due() == 1
    await asyncio.wait_for(jobs.wait_for_slot(60), 5)
    assert performed == [first, second]


async def test_work_that_raises_leaves_the_job_held_until_its_lease_runs_out(
    store: Store,
) -> None:
    tries: list[int] = []

    async def perform(job: ClaimedJob) -> None:
        tries.append(job.attempts)
        if len(tries) == 1:
            raise ConnectionError("the database went away")
        await store.complete_job(job.id, WORKER, now=now())

    jobs = runner(store, perform, lease=timedelta(seconds=1.5))
    job_id = await record(store, "F1")

    await jobs.perform_now(job_id)  # never raises

    assert await jobs.start_due() == 0  # held: no other run meanwhile
    await asyncio.sleep(1.6)
    assert await jobs.start_due() == 1
    await asyncio.wait_for(jobs.wait_for_slot(60), 5)
    assert tries == [1, 2]


async def test_the_lease_is_kept_alive_while_the_work_lasts(store: Store) -> None:
    lease = timedelta(seconds=0.9)
    taken_over: list[list[ClaimedJob]] = []

    async def perform(job: ClaimedJob) -> None:
        await asyncio.sleep(2.5)  # almost three leases long
        # What another process looking now would get (the runner swallows what this raises).
        taken_over.append(await store.claim_jobs("there:2:def", now=now(), lease=lease))

    job_id = await record(store, "F1")
    await runner(store, perform, lease=lease).perform_now(job_id)

    assert taken_over == [[]]


async def test_stop_lets_a_running_job_end_within_the_grace(store: Store) -> None:
    ended: list[int] = []

    async def perform(job: ClaimedJob) -> None:
        await asyncio.sleep(0.3)
        ended.append(job.id)

    jobs = runner(store, perform)
    job_id = await record(store, "F1")
    assert await jobs.start_due() == 1

    await asyncio.wait_for(jobs.stop(grace_s=5), 5)

    assert ended == [job_id]


async def test_stop_cancels_a_job_outlasting_the_grace(store: Store) -> None:
    cancelled = asyncio.Event()

    async def perform(job: ClaimedJob) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    jobs = runner(store, perform)
    await record(store, "F1")
    assert await jobs.start_due() == 1
    await asyncio.sleep(0.1)

    await asyncio.wait_for(jobs.stop(grace_s=0.2), 5)

    await asyncio.wait_for(cancelled.wait(), 1)


@pytest.mark.parametrize(
    ("attempts", "retry_after_s", "expected"),
    [
        (0, None, timedelta(seconds=5)),
        (1, None, timedelta(seconds=5)),
        (4, None, timedelta(seconds=40)),
        (1, 12.5, timedelta(seconds=12.5)),
        (4, 12.5, timedelta(seconds=40)),
        (10_000, None, MAX_RETRY_DELAY),
        (1, 86_400, MAX_RETRY_DELAY),
    ],
)
def test_the_retry_delay_doubles_from_the_poll_interval_up_to_a_cap(
    attempts: int, retry_after_s: float | None, expected: timedelta
) -> None:
    delay = retry_delay(attempts, poll_interval=timedelta(seconds=5), retry_after_s=retry_after_s)

    assert delay == expected

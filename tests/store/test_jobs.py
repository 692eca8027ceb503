import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.store import JobHolder, JobState, Store
from bot.store.audit import NewAuditEntry
from tests.store.jobs import LEASE, T0, upload

KST = timezone(timedelta(hours=9))


async def _enqueue(store: Store, file_id: str, *, kind: str | None = "business") -> int:
    assert await store.enqueue_upload(upload(file_id, kind=kind), now=T0)
    job = await store.find_upload("T1", file_id)
    assert job is not None
    return job.id


async def test_an_upload_is_recorded_once(store: Store) -> None:
    assert await store.enqueue_upload(upload("F1"), now=T0)
    assert not await store.enqueue_upload(upload("F1", kind="card"), now=T0 + timedelta(hours=1))

    job = await store.find_upload("T1", "F1")
    assert job is not None
    assert (job.team_id, job.file_id, job.channel_id, job.user_id, job.thread_ts) == (
        "T1",
        "F1",
        "C1",
        "U1",
        "1772442000.000100",
    )
    assert (job.kind, job.state, job.attempts, job.worker_id) == (
        "business",
        JobState.PENDING,
        0,
        None,
    )
    assert (job.lease_until, job.last_error, job.created_at, job.updated_at) == (None, None, T0, T0)
    assert await store.get_job(job.id) == job


async def test_the_same_file_id_in_another_team_is_another_upload(store: Store) -> None:
    assert await store.enqueue_upload(upload("F1", team_id="T1"), now=T0)
    assert await store.enqueue_upload(upload("F1", team_id="T2"), now=T0)


async def test_a_finished_upload_is_not_recorded_again(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    assert await store.complete_job(job_id, "w1", now=T0)

    assert not await store.enqueue_upload(upload("F1"), now=T0 + timedelta(days=1))
    assert await store.claim_jobs("w1", now=T0 + timedelta(days=1), lease=LEASE) == []


async def test_concurrent_deliveries_of_one_upload_record_it_once(store: Store) -> None:
    results = await asyncio.gather(*(store.enqueue_upload(upload("F1"), now=T0) for _ in range(20)))
    assert len([job_id for job_id in results if job_id is not None]) == 1
    assert len(await store.claim_jobs("w1", now=T0, lease=LEASE, limit=20)) == 1


async def test_unknown_jobs_and_uploads_are_none(store: Store) -> None:
    assert await store.get_job(404) is None
    assert await store.find_upload("T1", "F404") is None
    assert await store.claim_job(404, "w1", now=T0, lease=LEASE) is None


async def test_claims_take_due_jobs_oldest_first_and_count_attempts(store: Store) -> None:
    for second, file_id in enumerate(["F1", "F2", "F3"]):
        assert await store.enqueue_upload(upload(file_id), now=T0 + timedelta(seconds=second))
    assert await store.claim_jobs("w1", now=T0 - timedelta(seconds=1), lease=LEASE) == []

    now = T0 + timedelta(minutes=1)
    first = await store.claim_jobs("w1", now=now, lease=LEASE, limit=2)
    assert [job.file_id for job in first] == ["F1", "F2"]
    for job in first:
        assert (job.state, job.attempts, job.worker_id) == (JobState.RUNNING, 1, "w1")
        assert (job.lease_until, job.updated_at) == (now + LEASE, now)

    rest = await store.claim_jobs("w2", now=now, lease=LEASE, limit=5)
    assert [job.file_id for job in rest] == ["F3"]
    assert await store.claim_jobs("w3", now=now, lease=LEASE, limit=5) == []


async def test_claim_limit_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.claim_jobs("w1", now=T0, lease=LEASE, limit=0)


async def test_claim_job_takes_that_job_only(store: Store) -> None:
    first_id = await _enqueue(store, "F1")
    second_id = await _enqueue(store, "F2")

    claimed = await store.claim_job(second_id, "w1", now=T0, lease=LEASE)
    assert claimed is not None
    assert (claimed.id, claimed.state, claimed.attempts) == (second_id, JobState.RUNNING, 1)
    assert await store.claim_job(second_id, "w2", now=T0, lease=LEASE) is None
    assert [job.id for job in await store.claim_jobs("w2", now=T0, lease=LEASE, limit=5)] == [
        first_id
    ]


async def test_an_expired_lease_passes_the_job_to_another_worker(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None

    assert await store.claim_jobs("w2", now=T0 + LEASE - timedelta(seconds=1), lease=LEASE) == []
    [taken] = await store.claim_jobs("w2", now=T0 + LEASE, lease=LEASE)
    assert (taken.id, taken.worker_id, taken.attempts) == (job_id, "w2", 2)
    assert taken.lease_until == T0 + 2 * LEASE

    # The first worker wakes up late: its results no longer count.
    later = T0 + LEASE + timedelta(seconds=1)
    assert not await store.complete_job(job_id, "w1", now=later)
    state = await store.fail_job(
        job_id, "w1", now=later, error="Timeout", retry_at=later, max_attempts=5
    )
    assert state is JobState.RUNNING
    unchanged = await store.get_job(job_id)
    assert unchanged == taken

    assert await store.complete_job(job_id, "w2", now=later)
    done = await store.get_job(job_id)
    assert done is not None
    assert (done.state, done.lease_until, done.updated_at) == (JobState.DONE, None, later)
    assert not await store.complete_job(job_id, "w2", now=later)
    assert await store.claim_jobs("w3", now=later + 10 * LEASE, lease=LEASE) == []


async def test_a_failing_job_is_retried_then_given_up(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    now = T0
    for attempt in (1, 2):
        [job] = await store.claim_jobs("w1", now=now, lease=LEASE)
        assert job.attempts == attempt
        retry_at = now + timedelta(minutes=attempt)
        state = await store.fail_job(
            job_id, "w1", now=now, error="OcrServerError", retry_at=retry_at, max_attempts=3
        )
        assert state is JobState.PENDING
        waiting = await store.get_job(job_id)
        assert waiting is not None
        assert (waiting.state, waiting.lease_until, waiting.last_error) == (
            JobState.PENDING,
            None,
            "OcrServerError",
        )
        assert await store.claim_jobs("w1", now=retry_at - timedelta(seconds=1), lease=LEASE) == []
        now = retry_at

    [last] = await store.claim_jobs("w1", now=now, lease=LEASE)
    assert last.attempts == 3
    state = await store.fail_job(
        job_id, "w1", now=now, error="5003001", retry_at=now + LEASE, max_attempts=3
    )
    assert state is JobState.FAILED
    failed = await store.get_job(job_id)
    assert failed is not None
    assert (failed.state, failed.attempts, failed.last_error) == (JobState.FAILED, 3, "5003001")
    assert await store.claim_jobs("w1", now=now + timedelta(days=1), lease=LEASE) == []


async def test_fail_job_keeps_errors_short(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    await store.fail_job(job_id, "w1", now=T0, error="E" * 1000, retry_at=T0, max_attempts=2)
    job = await store.get_job(job_id)
    assert job is not None
    assert job.last_error == "E" * 200  # the column's width in migration 0001


async def test_fail_job_of_an_unknown_job_is_an_error(store: Store) -> None:
    with pytest.raises(LookupError, match="404"):
        await store.fail_job(404, "w1", now=T0, error="E", retry_at=T0, max_attempts=2)


async def test_an_upload_without_kind_waits_for_the_user(store: Store) -> None:
    job_id = await _enqueue(store, "F1", kind=None)
    waiting = await store.get_job(job_id)
    assert waiting is not None
    assert (waiting.state, waiting.kind) == (JobState.WAITING, None)
    later = T0 + timedelta(days=1)
    assert await store.claim_jobs("w1", now=later, lease=LEASE) == []
    assert await store.claim_job(job_id, "w1", now=later, lease=LEASE) is None

    await store.update_job(job_id, kind="card")
    [claimed] = await store.claim_jobs("w1", now=later, lease=LEASE)
    assert (claimed.id, claimed.kind, claimed.attempts) == (job_id, "card", 1)


async def test_taking_the_kind_back_makes_a_pending_job_wait(store: Store) -> None:
    job_id = await _enqueue(store, "F1", kind="card")
    await store.update_job(job_id, kind=None)
    assert await store.claim_jobs("w1", now=T0, lease=LEASE) == []
    await store.update_job(job_id, kind="business")
    [claimed] = await store.claim_jobs("w1", now=T0, lease=LEASE)
    assert claimed.kind == "business"


async def test_a_started_job_keeps_its_kind(store: Store) -> None:
    job_id = await _enqueue(store, "F1", kind="business")
    claimed = await store.claim_job(job_id, "w1", now=T0, lease=LEASE)
    await store.update_job(job_id, kind="card")
    assert await store.get_job(job_id) == claimed


async def test_two_engines_claim_each_job_exactly_once(database_url: str) -> None:
    # Two Stores on one database, as two bot processes would have.
    stores = [await Store.open(database_url) for _ in range(2)]
    try:
        for number in range(100):
            assert await stores[0].enqueue_upload(upload(f"F{number:03}"), now=T0)

        async def work(store: Store, worker_id: str) -> list[int]:
            claimed: list[int] = []
            while jobs := await store.claim_jobs(worker_id, now=T0, lease=LEASE, limit=3):
                claimed += [job.id for job in jobs]
            return claimed

        workers = [
            (store, f"w{index}-{task}") for index, store in enumerate(stores) for task in range(4)
        ]
        claims = await asyncio.gather(*(work(store, worker_id) for store, worker_id in workers))
        claimed_ids = [job_id for worker_claims in claims for job_id in worker_claims]
        assert len(claimed_ids) == 100
        assert len(set(claimed_ids)) == 100
        for job_id in claimed_ids:
            job = await stores[1].get_job(job_id)
            assert job is not None
            assert (job.state, job.attempts) == (JobState.RUNNING, 1)
    finally:
        for store in stores:
            await store.close()


async def test_times_come_back_in_utc_and_compare_across_offsets(store: Store) -> None:
    enqueued_at = datetime(2026, 3, 2, 18, 0, 0, 123456, tzinfo=KST)
    assert await store.enqueue_upload(upload("F1"), now=enqueued_at)
    job = await store.find_upload("T1", "F1")
    assert job is not None
    assert job.created_at == enqueued_at
    assert job.created_at.tzinfo is UTC
    assert job.created_at == datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)

    just_before = datetime(2026, 3, 2, 9, 0, 0, 123455, tzinfo=UTC)
    assert await store.claim_jobs("w1", now=just_before, lease=LEASE) == []
    [claimed] = await store.claim_jobs("w1", now=enqueued_at.astimezone(UTC), lease=LEASE)
    assert claimed.lease_until == enqueued_at + LEASE
    assert claimed.lease_until is not None
    assert claimed.lease_until.tzinfo is UTC


async def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.enqueue_upload(upload("F1"), now=datetime(2026, 3, 2, 9, 0))
    assert await store.find_upload("T1", "F1") is None


async def test_a_cancelled_job_is_never_claimed(store: Store) -> None:
    job_id = await _enqueue(store, "F1", kind=None)
    assert await store.cancel_job(job_id, now=T0)
    await store.update_job(job_id, kind="card")
    assert await store.claim_jobs("w1", now=T0, lease=LEASE) == []
    job = await store.get_job(job_id)
    assert job is not None
    assert job.state is JobState.CANCELLED


async def test_a_running_job_cannot_be_cancelled(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    assert not await store.cancel_job(job_id, now=T0)


async def test_enqueue_returns_the_job_as_it_is_found(store: Store) -> None:
    recorded = await store.enqueue_upload(upload("F7"), now=T0)
    found = await store.find_upload("T1", "F7")
    assert found is not None
    assert found == recorded
    assert found.state is JobState.PENDING
    assert found.message_ts == "1772442000.000100"
    assert found.channel_type == "channel"


async def test_an_upload_recorded_claimed_is_held_as_if_claimed_at_once(store: Store) -> None:
    recorded = await store.enqueue_upload(upload("F1"), now=T0, holder=JobHolder("w1", LEASE))

    assert recorded is not None
    assert (recorded.state, recorded.worker_id, recorded.attempts) == (JobState.RUNNING, "w1", 1)
    assert recorded.lease_until == T0 + LEASE
    assert recorded == await store.get_job(recorded.id)
    # Held: no other worker takes it while the lease lasts, and then one may.
    assert await store.claim_jobs("w2", now=T0 + LEASE - timedelta(seconds=1), lease=LEASE) == []
    [taken] = await store.claim_jobs("w2", now=T0 + LEASE, lease=LEASE)
    assert (taken.id, taken.attempts) == (recorded.id, 2)
    assert not await store.complete_job(recorded.id, "w1", now=T0 + LEASE)


def _entry(subject: str) -> NewAuditEntry:
    return NewAuditEntry("T1", "U1", "upload_business", subject, "status 01", T0)


async def test_a_completion_adds_its_audit_entry_held_or_not(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None

    assert not await store.complete_job(job_id, "w2", now=T0, audit=_entry("2208162517"))
    assert await store.complete_job(job_id, "w1", now=T0, audit=_entry("1248100998"))

    entries = await store.audit.recent("T1", limit=5)
    assert sorted(entry.subject for entry in entries) == ["1248100998", "2208162517"]


async def test_a_completion_whose_audit_entry_fails_is_not_recorded(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    naive = NewAuditEntry(
        "T1", "U1", "upload_business", "2208162517", "01", T0.replace(tzinfo=None)
    )

    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.complete_job(job_id, "w1", now=T0, audit=naive)

    job = await store.get_job(job_id)
    assert job is not None
    assert job.state is JobState.RUNNING  # both or neither: the next run finds its answer
    assert await store.audit.recent("T1", limit=5) == []


async def test_an_upload_recorded_before_is_not_recorded_claimed(store: Store) -> None:
    assert await store.enqueue_upload(upload("F1"), now=T0)

    again = await store.enqueue_upload(upload("F1"), now=T0, holder=JobHolder("w1", LEASE))

    assert again is None
    job = await store.find_upload("T1", "F1")
    assert job is not None
    assert (job.state, job.worker_id, job.attempts) == (JobState.PENDING, None, 0)


async def test_an_upload_waiting_for_its_kind_cannot_be_recorded_claimed(store: Store) -> None:
    with pytest.raises(ValueError, match="kind"):
        await store.enqueue_upload(upload("F1", kind=None), now=T0, holder=JobHolder("w1", LEASE))
    assert await store.find_upload("T1", "F1") is None


async def test_a_worker_that_extends_its_lease_keeps_the_job(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    assert await store.extend_lease(
        job_id, "w1", now=T0 + LEASE - timedelta(seconds=1), lease=LEASE
    )
    assert await store.claim_jobs("w2", now=T0 + LEASE + timedelta(seconds=1), lease=LEASE) == []
    assert not await store.extend_lease(job_id, "w2", now=T0, lease=LEASE)
    assert await store.complete_job(job_id, "w1", now=T0 + LEASE)


async def test_the_start_of_an_answer_is_kept_for_the_runs_after_a_death(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    first = await store.claim_job(job_id, "w1", now=T0, lease=LEASE)
    assert first is not None
    assert first.answering_at is None
    answering = T0 + timedelta(seconds=5)
    assert await store.begin_answer(job_id, "w1", now=answering, lease=LEASE)
    # w1 dies before recording the answer; once its lease has run out, w2 takes the job.
    assert (
        await store.claim_jobs("w2", now=answering + LEASE - timedelta(seconds=1), lease=LEASE)
        == []
    )
    [second] = await store.claim_jobs("w2", now=answering + LEASE, lease=LEASE)
    assert second.answering_at == answering
    assert second.attempts == 2


async def test_only_the_holder_may_begin_to_answer(store: Store) -> None:
    job_id = await _enqueue(store, "F1")
    assert not await store.begin_answer(job_id, "w1", now=T0, lease=LEASE)  # not claimed
    assert await store.claim_job(job_id, "w1", now=T0, lease=LEASE) is not None
    assert not await store.begin_answer(job_id, "w2", now=T0, lease=LEASE)
    job = await store.get_job(job_id)
    assert job is not None
    assert job.answering_at is None


async def test_the_backlog_counts_what_a_worker_could_claim_now(store: Store) -> None:
    assert await store.job_backlog(now=T0) == (0, None)
    await _enqueue(store, "F_WAITING", kind=None)  # the user has not chosen a kind yet
    first = await _enqueue(store, "F1")
    assert await store.enqueue_upload(upload("F2"), now=T0 + timedelta(minutes=1))
    held = await _enqueue(store, "F_HELD")
    assert await store.claim_job(held, "w1", now=T0, lease=LEASE) is not None
    done = await _enqueue(store, "F_DONE")
    assert await store.claim_job(done, "w1", now=T0, lease=LEASE) is not None
    assert await store.complete_job(done, "w1", now=T0)

    # Uploaded at T0 and T0 + 1 min: F1 and F2; F_HELD is held, F_WAITING waits for its kind.
    assert await store.job_backlog(now=T0 + timedelta(minutes=2)) == (2, T0)
    # Once the lease has run out, the held job is claimable again too.
    assert await store.job_backlog(now=T0 + LEASE) == (3, T0)
    assert await store.claim_job(first, "w2", now=T0 + LEASE, lease=LEASE) is not None
    assert await store.job_backlog(now=T0 + LEASE) == (2, T0)

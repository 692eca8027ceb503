"""GET /health (liveness) and GET /ready (can the process work?) for a load balancer,
without Slack's signature."""

from datetime import UTC, datetime, timedelta

import httpx

from bot.store.models import UploadJob
from tests.handlers.conftest import RunningBot


async def get(bot: RunningBot, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(bot.runtime.url + path)


async def test_health_answers_200_json(bot: RunningBot) -> None:
    response = await get(bot, "/health")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    assert report["ok"] is True
    assert report["mode"] == "http"
    assert bot.slack.calls == []


async def test_ready_reports_each_part(bot: RunningBot) -> None:
    response = await get(bot, "/ready")

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "mode": "http",
        "slack": {"ok": True},
        "database": {"ok": True},
        "jobs": {"backlog": 0},
    }
    assert bot.slack.calls == []


async def test_ready_counts_the_jobs_waiting_to_start(bot: RunningBot) -> None:
    # Due jobs no worker here starts (it polls once a minute in these tests).
    store = bot.runtime.services.store
    now = datetime.now(UTC)
    for file_id, recorded in (("F1", now), ("F2", now), ("F3", now + timedelta(hours=1))):
        job = UploadJob("T1", file_id, "C1", "U1", "1.1", "1.1", "channel", kind="business")
        await store.enqueue_upload(job, now=recorded)
    await store.enqueue_upload(  # waiting for the user to say what it is: not the worker's
        UploadJob("T1", "F4", "C1", "U1", "1.1", "1.1", "channel", kind=None), now=now
    )

    report = (await get(bot, "/ready")).json()

    assert report["jobs"] == {"backlog": 2}
    assert report["ok"] is True  # a backlog is work to do, not a reason to send none


async def test_ready_is_503_when_the_database_cannot_answer(bot: RunningBot) -> None:
    store = bot.runtime.services.store
    await store.close()  # no open connection keeps the file
    for path in bot.database.parent.glob(bot.database.name + "*"):
        path.unlink()
    bot.database.mkdir()  # a directory where the file was: SQLite cannot open it
    try:
        response = await get(bot, "/ready")
        health = await get(bot, "/health")
    finally:
        bot.database.rmdir()

    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["database"] == {"ok": False}
    assert report["jobs"] == {"backlog": None}
    assert report["slack"] == {"ok": True}
    assert health.status_code == 200  # alive all the same: a restart would not help

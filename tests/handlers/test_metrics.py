"""GET /metrics: what Prometheus scrapes from each process, after real uploads.

The series are the process's own and add up over the tests of one run, so each test
compares a scrape after with one before.
"""

from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.store import UploadJob
from fakes.nhn import Reply
from fakes.slack import TEAM_ID
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(bot: RunningBot) -> tuple[str, Samples]:
    async with httpx.AsyncClient() as client:
        response = await client.get(bot.runtime.url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def upload_certificate(bot: RunningBot, name: str) -> str:
    """Upload a certificate and wait for the job's last word (its ✅ or ⚠️); its file id."""
    file = bot.slack.add_file(name, png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")
    await bot.send.event(event)
    await eventually(
        lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) in (["white_check_mark"], ["warning"])
    )
    return str(file["id"])


async def test_an_answered_upload_shows_in_every_series_it_touches(bot: RunningBot) -> None:
    _, before = await scrape(bot)

    files = [
        await upload_certificate(bot, "사업자등록증.png"),
        await upload_certificate(bot, "사업자등록증-사본.png"),  # the same business again
    ]
    text, after = await scrape(bot)

    assert grew(before, after, "ocrbot_uploads_total", kind="business", outcome="answered") == 2
    assert grew(before, after, "ocrbot_upload_to_answer_seconds_count", kind="business") == 2
    assert grew(before, after, "ocrbot_upload_to_answer_seconds_sum", kind="business") > 0
    read = {"service": "nhn", "endpoint": "business"}
    assert grew(before, after, "ocrbot_api_calls_total", **read, result="0") == 2
    assert grew(before, after, "ocrbot_api_call_seconds_count", **read) == 2
    # The second upload's status came from the store: one paid lookup, one cached.
    status = {"service": "nhn", "endpoint": "business/status", "result": "0"}
    assert grew(before, after, "ocrbot_api_calls_total", **status) == 1
    lookups = "ocrbot_status_lookups_total"
    assert grew(before, after, lookups, provider="nhn", source="provider") == 1
    assert grew(before, after, lookups, provider="nhn", source="cache") == 1
    assert value(after, "ocrbot_job_backlog") == 0
    assert value(after, "ocrbot_oldest_waiting_job_seconds") == 0
    # No label names a team, channel, user or file.
    assert TEAM_ID not in text
    assert CHANNEL not in text
    assert "U_UPLOADER" not in text
    assert all(file_id not in text for file_id in files)


async def test_a_refused_document_counts_as_failed_with_nhns_code(bot: RunningBot) -> None:
    bot.nhn.script("business", Reply.error(4000002))  # invalid file: not retried
    _, before = await scrape(bot)

    await upload_certificate(bot, "사업자등록증-흐림.png")
    _, after = await scrape(bot)

    assert grew(before, after, "ocrbot_uploads_total", kind="business", outcome="failed") == 1
    assert grew(before, after, "ocrbot_uploads_total", kind="business", outcome="answered") == 0
    assert grew(before, after, "ocrbot_upload_to_answer_seconds_count", kind="business") == 1
    calls = {"service": "nhn", "endpoint": "business"}
    assert grew(before, after, "ocrbot_api_calls_total", **calls, result="4000002") == 1
    assert grew(before, after, "ocrbot_api_calls_total", **calls, result="0") == 0


async def test_slack_errors_are_counted_by_method_and_error(bot: RunningBot) -> None:
    bot.slack.fail_next("reactions.add", error="invalid_name", status=200)
    _, before = await scrape(bot)

    await upload_certificate(bot, "사업자등록증.png")  # the reaction fails, the answer not
    _, after = await scrape(bot)

    error = {"method": "reactions.add", "error": "invalid_name"}
    assert grew(before, after, "ocrbot_slack_api_errors_total", **error) == 1
    assert grew(before, after, "ocrbot_uploads_total", kind="business", outcome="answered") == 1


async def test_the_backlog_is_read_from_the_store_at_each_scrape(bot: RunningBot) -> None:
    store = bot.runtime.services.store
    uploaded = datetime.now(UTC) - timedelta(minutes=5)
    for number in range(3):  # recorded by a process that died before running them
        job = UploadJob(TEAM_ID, f"F_LEFT_{number}", CHANNEL, "U1", "1.1", "1.1", "channel", "card")
        await store.enqueue_upload(job, now=uploaded + timedelta(minutes=number))

    _, samples = await scrape(bot)

    assert value(samples, "ocrbot_job_backlog") == 3
    assert 300 <= value(samples, "ocrbot_oldest_waiting_job_seconds") < 360

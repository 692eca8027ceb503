"""Pixel-heavy images: a small file declaring tens of megapixels is answered within the
image memory budget, or refused naming its size when it alone needs more than the budget.

The peak memory itself is the benchmark's to measure (bench, scenario 5), on a bot process
of its own; here the answers are checked.
"""

import logging
from typing import Any

import pytest

from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.ocr.images import sparse_png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
DONE, FAILED = "white_check_mark", "warning"


def upload(bot: RunningBot, content: bytes) -> dict[str, Any]:
    file = bot.slack.add_file("사업자등록증.png", content, "image/png", "png", channel=CHANNEL)
    return file_share_message(file, channel=CHANNEL, user=UPLOADER)


async def test_a_300_kb_png_of_80_megapixels_is_answered(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    heavy = sparse_png(8900, 8900)  # RGBA: 317 MB once decoded
    assert len(heavy) < 400_000
    event = upload(bot, heavy)

    with caplog.at_level(logging.INFO, logger="bot.ocr.preflight"):
        await bot.send.event(event)
        [reply] = await bot.wait_for("chat.postMessage", timeout_s=60)
        await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])

    assert reply.params["thread_ts"] == event["ts"]
    assert "220-81-62517" in str(reply.params["blocks"])
    assert bot.nhn.calls("business") == 1
    # Reduced by two while flattened: 19.8 MP, within MAX_OUTPUT_PIXELS.
    assert f"preflight business: png {len(heavy)} bytes -> png 4450x4450 " in caplog.text


@pytest.mark.parametrize("bot_overrides", [{"image_memory_budget_mb": 16}])
async def test_a_png_needing_more_than_the_whole_budget_is_refused_naming_its_size(
    bot: RunningBot,
) -> None:
    event = upload(bot, sparse_png(2400, 2000))  # 19 MB decoded, twice that flattened

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    said = str(reply.params["blocks"]) + reply.params["text"]
    assert "2400×2000 픽셀" in said
    assert "JPG로 저장해" in said
    assert "Traceback" not in said
    await bot.settle()
    assert bot.nhn.calls("business") == 0
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("bot_overrides", [{"ocr_concurrency": 1, "job_concurrency": 64}])
async def test_uploads_beyond_what_the_analysis_takes_on_wait_before_downloading(
    bot: RunningBot,
) -> None:
    at_once = bot.runtime.services.analysis.documents_at_once  # 1 NHN call + the image threads
    bot.nhn.latency_s = 1.0
    events = [upload(bot, png()) for _ in range(at_once + 3)]

    for event in events:
        await bot.send.event(event)
    await eventually(lambda: bot.nhn.max_in_flight == 1)
    await bot.settle(0.3)

    # Every job has started (64 slots), but only those the analysis can take on at once
    # hold a download; the rest wait for one of them to finish.
    assert len(bot.slack.downloads) == at_once
    await bot.wait_for("chat.postMessage", len(events), timeout_s=30)
    assert len(bot.slack.downloads) == len(events)
    assert bot.nhn.calls("business") == len(events)

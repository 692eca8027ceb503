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

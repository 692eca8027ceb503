"""Bulk CSV checks end to end: the real bot over HTTP, the fake Slack, the fake providers."""

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from bot.blocks.ids import BULK_WATCH_ALL
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot, eventually
from tests.support.slack_fake import TEAM_ID
from tests.support.slack_requests import new_ts

CHANNEL = "C_PURCHASING"
CLICKER = "U0BUYER"
OPEN, CLOSED = "2208162517", "1248100998"


def csv_bytes(rows: Sequence[Sequence[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False) + str(message.get("text"))


async def click_watch_all(bot: RunningBot, file_id: str) -> dict[str, Any]:
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        BULK_WATCH_ALL,
        file_id,
        user=CLICKER,
        channel=CHANNEL,
        message_ts=new_ts(),
        response_url=url,
        block_id="bulk_actions",
    )
    response = await bot.send.action(payload)
    assert response.status_code == 200
    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [answer] = bot.slack.responses(url)
    return answer


async def test_watch_all_watches_every_valid_number_of_the_csv(bot: RunningBot) -> None:
    rows = [["상호", "사업자등록번호"], ["한빛", OPEN], ["가나", CLOSED], ["오타", "123-45-67890"]]
    file = bot.slack.add_file(
        "거래처.csv", csv_bytes(rows, encoding="cp949"), "text/csv", "csv", channel=CHANNEL
    )

    first = await click_watch_all(bot, file["id"])
    again = await click_watch_all(bot, file["id"])

    assert first["response_type"] == "ephemeral"
    assert "2곳을 관심 거래처로 등록했습니다" in shown(first)
    assert "(2곳은 이미 등록됨)" in shown(again)
    watched = await bot.runtime.services.store.watches.list(TEAM_ID)
    assert sorted(w.business_number for w in watched) == sorted([OPEN, CLOSED])
    assert {w.created_by for w in watched} == {CLICKER}
    assert {w.channel_id for w in watched} == {ALERTS_CHANNEL}


async def test_watch_all_of_a_file_that_is_gone_explains(bot: RunningBot) -> None:
    answer = await click_watch_all(bot, "F0NOSUCHFILE")

    assert "파일이 삭제되었거나" in shown(answer)
    assert await bot.runtime.services.store.watches.list(TEAM_ID) == []

"""LOG_FORMAT=json names the upload job and the team on every line its work logs."""

import json
import logging

import pytest

from bot.logs import JsonFormatter
from fakes.slack import TEAM_ID
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"


async def test_an_uploads_lines_carry_its_job_and_team(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")

    await bot.send.event(event)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"])

    lines = [json.loads(line) for line in caplog.text.splitlines()]
    job = await bot.runtime.services.store.find_upload(TEAM_ID, str(file["id"]))
    assert job is not None
    calls = [line for line in lines if line["message"].startswith("nhn_ocr ")]
    assert {line["message"].split()[1] for line in calls} == {"business", "business/status"}
    assert all((line["job_id"], line["team_id"]) == (job.id, TEAM_ID) for line in calls)


async def test_a_commands_lines_carry_its_team(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())
    url = bot.slack.response_url()

    await bot.send.command("220-81-62517", response_url=url)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)

    lines = [json.loads(line) for line in caplog.text.splitlines()]
    [call] = [line for line in lines if line["message"].startswith("nhn_ocr business/status")]
    assert call["team_id"] == TEAM_ID
    assert "job_id" not in call  # no upload job here

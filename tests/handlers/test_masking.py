"""Card numbers that arrive by paths other than a card upload (issue 9): OCR fields of a
certificate, a watch label, a CSV cell, a file name, a command's argument. The running bot,
at DEBUG as `ocrbot run -v` logs, shows, uploads, stores and logs them by the last four only,
and never logs a response_url. Every written form through every path: test_masking_sweep.py.
"""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes.nhn import NhnFake
from fakes.slack import TEAM_ID, FakeSlack
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot, bot_settings
from tests.handlers.images import png
from tests.handlers.test_bulk_csv import csv_bytes
from tests.support.helpers import eventually
from tests.support.leaks import (
    card_digit_runs,
    database_bytes,
    records_text,
    slack_exits,
    verbose_logging,
)

# Digits no timing, revision or address of a DEBUG log is likely to hold five of in a row.
CARD = "4556737586899855"
WRITTEN = "4556 7375 8689 9855"
MASKED = "•••• •••• •••• 9855"  # the one format, as the card reply shows a number
CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"


@pytest.fixture(autouse=True)
def logs(
    fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """DEBUG logging with the bot's secrets, from before the bot starts (autouse: first)."""
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    yield from verbose_logging(settings.secrets())


def log_text(caplog: pytest.LogCaptureFixture, logs: Callable[[], str]) -> str:
    return records_text(caplog) + logs()


def assert_nowhere_in_full(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str], number: str = CARD
) -> None:
    """No five digits of `number` in any Slack call, answer or upload, database byte or log."""
    places = {
        **slack_exits(bot.slack),
        "database": database_bytes(bot.database),
        "log lines": log_text(caplog, logs),
    }
    leaks = {where: card_digit_runs(text, number) for where, text in places.items()}
    assert {where: runs for where, runs in leaks.items() if runs} == {}
    assert logs()  # DEBUG logging did capture the run


def everything_sent(bot: RunningBot) -> str:
    return "\n".join(slack_exits(bot.slack).values())


async def test_a_certificate_whose_fields_hold_a_card_number_shows_the_last_four(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    """A card photo read as a certificate: anyone in a channel can choose that."""
    bot.nhn.business_key_values = [
        (key, f"카드 {WRITTEN}" if key in ("상호", "대표자", "업태") else value, conf)
        for key, value, conf in bot.nhn.business_key_values
    ]
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)

    await bot.send.event(file_share_message(file, channel=CHANNEL, user=UPLOADER))

    [reply] = await bot.wait_for("chat.postMessage")
    shown = json.dumps(reply.params, ensure_ascii=False)
    assert f"카드 {MASKED}" in shown
    assert "220-81-62517" in shown  # the business number itself is shown whole
    await bot.audited(1)
    assert_nowhere_in_full(bot, caplog, logs)


async def test_a_watch_label_with_a_card_number_is_stored_listed_and_shown_masked(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    watched, listed = bot.slack.response_url(), bot.slack.response_url()

    await bot.send.command(f"watch 220-81-62517 카드 {WRITTEN}", response_url=watched)
    await eventually(lambda: len(bot.slack.responses(watched)) == 1)
    await bot.send.command("list", response_url=listed)
    await eventually(lambda: len(bot.slack.responses(listed)) == 1)
    await bot.send.event(
        {
            "type": "app_home_opened",
            "user": UPLOADER,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": new_ts(),
        }
    )
    await bot.wait_for("views.publish")

    watch = await bot.runtime.services.store.watches.get(TEAM_ID, "2208162517")
    assert watch is not None
    assert watch.label == f"카드 {MASKED}"
    assert f"카드 {MASKED}" in json.dumps(bot.slack.responses(listed), ensure_ascii=False)
    assert f"카드 {MASKED}" in json.dumps(bot.slack.home_view(UPLOADER), ensure_ascii=False)
    await bot.audited(1)
    assert_nowhere_in_full(bot, caplog, logs)


async def test_a_csv_row_with_a_card_number_is_masked_in_the_summary_and_the_result_file(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    rows = [["상호", "사업자등록번호"], ["한빛", "220-81-62517"], [f"카드 {WRITTEN}", WRITTEN]]
    file = bot.slack.add_file(
        "거래처.csv", csv_bytes(rows, encoding="cp949"), "text/csv", "csv", channel=CHANNEL
    )

    await bot.send.event(file_share_message(file, channel=CHANNEL, user=UPLOADER, text="bizstatus"))

    await eventually(lambda: len(bot.slack.uploads) == 1)
    await eventually(lambda: "3행" in everything_sent(bot))  # the summary names the bad row
    [result] = bot.slack.uploads
    assert MASKED in result.content.decode("utf-8-sig")
    assert "220-81-62517,01" in result.content.decode("utf-8-sig")  # the rest is intact
    await bot.audited(1)
    assert_nowhere_in_full(bot, caplog, logs)


async def test_a_file_name_with_a_card_number_never_reaches_a_debug_log(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    """slack_sdk logs files.info's answer at DEBUG, url_private and all: %20 glues "20" onto
    each group of the URL-encoded name, and JSON escapes the no-break spaces."""
    name = "카드 4556\u00a07375\u00a08689\u00a09855.png"
    stub = bot.slack.add_file(  # as with Slack Connect: files.info tells the rest
        name, png(), "image/png", "png", channel=CHANNEL, file_access="check_file_info"
    )
    event = file_share_message(stub, channel=CHANNEL, user=UPLOADER)

    await bot.send.event(event)

    await bot.wait_for("chat.postEphemeral")  # named after the card, it is read as one
    assert bot.slack.calls_to("files.info")
    assert "files-pri" in log_text(caplog, logs)  # the URL was logged, its name masked
    await bot.audited(1)
    assert_nowhere_in_full(bot, caplog, logs)


@pytest.mark.parametrize("written", [WRITTEN, "4556, 7375, 8689, 9855", "4556,7375,8689,9855"])
async def test_a_card_number_given_to_bizstatus_is_not_echoed(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str], written: str
) -> None:
    """Not even as a list /bizstatus would split into four numbers to refuse one by one."""
    url = bot.slack.response_url()

    await bot.send.command(written, response_url=url)

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    answer = json.dumps(bot.slack.responses(url), ensure_ascii=False)
    assert "9855" in answer
    for group in ("4556", "7375", "8689"):  # nor group by group, with words between them
        assert group not in answer
    assert bot.nhn.calls("business/status") == 0
    assert_nowhere_in_full(bot, caplog, logs)


async def test_a_response_url_never_reaches_a_debug_log(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    url = bot.slack.response_url()

    await bot.send.command("220-81-62517", response_url=url)

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    key = url.rsplit("/", 1)[1]
    logged = log_text(caplog, logs)
    assert "Sending a request - url: [redacted]" in logged  # slack_sdk's line, URL redacted
    assert key not in logged
    assert key not in logged.replace("%2F", "/").replace("\\/", "/")

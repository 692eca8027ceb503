"""The sweep (issue 9, "Done when"): card numbers in every written form, through every path
that carries outside text into the running bot at DEBUG, never show more than their last four
digits in any Slack call, response_url answer or uploaded file, any log line, or any byte of
the database. One bot per path, every form through it at once, so the sweep takes seconds.

"Show" is read as a person would (tests.support.leaks.readable): escapes decoded, full width
made ASCII, separators of every kind dropped; no run of five of the number's digits may remain.
"""

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.tables import metadata
from fakes.nhn import STATUS, NhnFake, Reply
from fakes.slack import FakeSlack
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
from tests.support.numbers import valid_business_numbers

# Numbers of few distinct digits: a DEBUG log is full of numbers (timestamps, offsets,
# sizes), and any five digits of a varied card number turn up in it by chance now and then.
VISA, AMEX = "4111111111111111", "377777777777770"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def grouped(number: str, *joints: str) -> str:
    sizes = (4, 6, 5) if len(number) == 15 else (4, 4, 4, 4)
    groups, start = [], 0
    for size in sizes:
        groups.append(number[start : start + size])
        start += size
    joints = joints * (len(groups) - 1) if len(joints) == 1 else joints
    return groups[0] + "".join(j + g for j, g in zip(joints, groups[1:], strict=True))


# Every written form the issue names, for a 16-digit Visa and a 4-6-5 Amex.
FORMS = [
    form
    for number in (VISA, AMEX)
    for form in (
        number,
        grouped(number, " "),
        grouped(number, "-"),
        grouped(number, "."),
        grouped(number, "/"),
        grouped(number, "_"),
        grouped(number, "\u00a0"),  # no-break space
        grouped(number, "\u2007"),  # figure space
        grouped(number, "\u202f"),  # narrow no-break space
        grouped(number, "\u3000"),  # ideographic space
        grouped(number, " - "),
        grouped(number, *(" ", "-", ".", "_")[: 3 if len(number) == 16 else 2]),  # mixed
        grouped(number, "%20"),  # percent-encoded neighbours glue "20" onto each group
        "card" + quote(" " + grouped(number, " ")),
        grouped(number, " ").translate(_FULL_WIDTH),
    )
]
CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"


@pytest.fixture(autouse=True)
def logs(
    fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """DEBUG logging with the bot's secrets, from before the bot starts (autouse: first)."""
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    yield from verbose_logging(settings.secrets())


def assert_no_card_number_anywhere(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, logs: Callable[[], str]
) -> None:
    places = {
        **slack_exits(bot.slack),
        "database": database_bytes(bot.database),
        "log records": records_text(caplog),
        "log output": logs(),
    }
    leaks = {
        (where, number): runs
        for where, text in places.items()
        for number in (VISA, AMEX)
        if (runs := card_digit_runs(text, number))
    }
    assert leaks == {}
    assert logs()  # DEBUG logging did capture the run


async def share(bot: RunningBot, name: str, content: bytes, mimetype: str, text: str = "") -> None:
    filetype = name.rsplit(".", 1)[-1]
    file = bot.slack.add_file(name, content, mimetype, filetype, channel=CHANNEL)
    response = await bot.send.event(
        file_share_message(file, channel=CHANNEL, user=UPLOADER, text=text)
    )
    assert response.status_code == 200


async def command(bot: RunningBot, text: str) -> None:
    url = bot.slack.response_url()
    await bot.send.command(text, response_url=url)
    await eventually(lambda: len(bot.slack.responses(url)) >= 1)


async def through_certificate_fields(bot: RunningBot) -> None:
    fields = [key for key, _, _ in bot.nhn.business_key_values if key != "등록번호"]
    values = {key: " | ".join(FORMS[index :: len(fields)]) for index, key in enumerate(fields)}
    bot.nhn.business_key_values = [
        (key, values.get(key, value), conf) for key, value, conf in bot.nhn.business_key_values
    ]
    await share(bot, "사업자등록증.png", png(), "image/png")
    await bot.wait_for("chat.postMessage")
    await bot.audited(1)


async def through_labels(bot: RunningBot) -> None:
    numbers = valid_business_numbers(len(FORMS))
    for number, form in zip(numbers, FORMS, strict=True):
        await command(bot, f"watch {number} 카드 {form}")
    await command(bot, "list")
    await bot.send.event(
        {
            "type": "app_home_opened",
            "user": UPLOADER,
            "channel": "D0",
            "tab": "home",
            "event_ts": new_ts(),
        }
    )
    await bot.wait_for("views.publish")
    await bot.audited(len(FORMS))


async def through_csv_cells(bot: RunningBot) -> None:
    rows = [["상호", "사업자등록번호"], *([f"카드 {form}", form] for form in FORMS)]
    await share(bot, "거래처.csv", csv_bytes(rows), "text/csv", text="bizstatus")
    await eventually(lambda: len(bot.slack.uploads) == 1)
    await bot.audited(1)


async def through_file_names_and_titles(bot: RunningBot) -> None:
    names = [f"사업자등록증 {' ; '.join(FORMS[i : i + 3])}.png" for i in range(0, len(FORMS), 3)]
    for name in names:  # three forms to a name: each upload is an analysis
        await share(bot, name, png(), "image/png")
    await bot.wait_for("chat.postMessage", len(names), timeout_s=30)
    await bot.audited(len(names))


async def through_command_arguments(bot: RunningBot) -> None:
    for form in FORMS:
        await command(bot, form)
        await command(bot, f"220-81-62517 {form}")


async def through_nhn_error_messages(bot: RunningBot) -> None:
    message = "Unknown error: " + " | ".join(FORMS)
    bot.nhn.script("business", Reply.error(-1, message), Reply.error(4000002, message))
    bot.nhn.script(STATUS, Reply.error(-1, message), Reply.error(4000001, message))
    await share(bot, "사업자등록증.png", png(), "image/png")
    await share(bot, "사업자등록증 2.png", png(), "image/png")
    await command(bot, "220-81-62517")
    await command(bot, "124-81-00998")
    await eventually(lambda: len(bot.slack.calls_to("chat.postMessage")) >= 2)
    await bot.settle()


@pytest.mark.parametrize(
    "path",
    [
        through_certificate_fields,
        through_labels,
        through_csv_cells,
        through_file_names_and_titles,
        through_command_arguments,
        through_nhn_error_messages,
    ],
    ids=lambda path: path.__name__,
)
async def test_no_card_number_shows_in_any_call_upload_log_or_row(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    logs: Callable[[], str],
    path: Callable[[RunningBot], Awaitable[None]],
) -> None:
    await path(bot)
    assert_no_card_number_anywhere(bot, caplog, logs)


class TestOnPostgreSQL:
    """The paths that write outside text to the database, with the bot on PostgreSQL: every
    row of every table, as stored, read back."""

    @pytest.fixture
    def bot_overrides(self, postgres_url: str) -> dict[str, Any]:
        return {"database_url": postgres_url}

    @pytest.mark.parametrize(
        "path",
        [through_labels, through_certificate_fields, through_command_arguments],
        ids=lambda path: path.__name__,
    )
    async def test_no_card_number_shows_in_any_row(
        self, bot: RunningBot, path: Callable[[RunningBot], Awaitable[None]]
    ) -> None:
        await path(bot)

        def every_row(connection: Connection) -> list[str]:
            return [
                repr(tuple(row))
                for table in metadata.sorted_tables
                for row in connection.execute(sa.select(table))
            ]

        rows = await bot.runtime.services.store._database.transaction(every_row)
        assert rows
        text = "\n".join(rows)
        assert {n: runs for n in (VISA, AMEX) if (runs := card_digit_runs(text, n))} == {}


def test_the_forms_hold_the_numbers() -> None:
    """Each form is one of the two numbers as a reader would see it: the sweep tests them."""
    for form in FORMS:
        assert card_digit_runs(form, VISA) or card_digit_runs(form, AMEX), form
    assert len({json.dumps(form) for form in FORMS}) == len(FORMS)

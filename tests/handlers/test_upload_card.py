"""A card photo: the last four digits, shown to as few people as possible, stored nowhere."""

import io
import json
import logging
import sqlite3
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from fakes.blockkit import limit_violations
from fakes.nhn import Reply, nhn_box
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import jpeg
from tests.support.helpers import eventually, shown
from tests.support.leaks import card_number_runs

CARD_NUMBER = "4012888888881881"  # Luhn-valid Visa test number
UPLOADER = "U_UPLOADER"
FULL_NUMBER_WARNING = "원본 사진에는 카드 번호 전체가 보입니다"


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log line at DEBUG, from before the bot starts (autouse fixtures come first)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def upload_card(bot: RunningBot, channel: str, channel_type: str) -> dict[str, object]:
    bot.nhn.card_number = CARD_NUMBER
    file = bot.slack.add_file("IMG_2041.jpg", jpeg(), "image/jpeg", "jpg", channel=channel)
    return file_share_message(
        file,
        channel=channel,
        user=UPLOADER,
        text="법인카드 등록 부탁드립니다",
        channel_type=channel_type,
    )


def database_rows(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return [
            repr(row)
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - own names
        ]


def assert_no_card_number_anywhere(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    places = {
        "Slack calls": [json.dumps(call.params, ensure_ascii=False) for call in bot.slack.calls],
        "log lines": [
            logging.Formatter().format(record)  # the message and any traceback
            for phase in ("setup", "call")
            for record in caplog.get_records(phase)
        ],
        "database rows": database_rows(bot.database),
    }
    assert places["log lines"]  # DEBUG logging did capture the run
    for place, texts in places.items():
        leaks = [run for text in texts for run in card_number_runs(text, CARD_NUMBER)]
        assert leaks == [], f"card digits in {place}"


async def test_in_a_public_channel_only_the_uploader_sees_the_card(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = upload_card(bot, "C_PURCHASING", "channel")

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postEphemeral")
    await bot.wait_for("reactions.add", 2)  # working, then done
    assert reply.params["channel"] == "C_PURCHASING"
    assert reply.params["user"] == UPLOADER
    assert reply.params["thread_ts"] == event["ts"]
    assert "1881" in shown(reply.params)
    assert FULL_NUMBER_WARNING in shown(reply.params)
    assert reply.params["text"]
    assert limit_violations(reply.params["blocks"]) == []
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.nhn.calls("credit-card") == 1
    assert_no_card_number_anywhere(bot, caplog)


@pytest.mark.parametrize(
    ("channel", "channel_type"),
    [("C_PRIVATE_TEAM", "group"), ("D_UPLOADER", "im"), ("C_GROUP_DM", "mpim")],
)
async def test_in_a_private_channel_or_a_dm_the_card_is_a_thread_reply(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, channel: str, channel_type: str
) -> None:
    event = upload_card(bot, channel, channel_type)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await bot.wait_for("reactions.add", 2)
    assert reply.params["channel"] == channel
    assert reply.params["thread_ts"] == event["ts"]
    assert "1881" in shown(reply.params)
    assert FULL_NUMBER_WARNING not in shown(reply.params)  # everyone there may see the photo
    assert reply.params["text"]
    assert limit_violations(reply.params["blocks"]) == []
    # The warning about the original goes to the uploader alone.
    [notice] = await bot.wait_for("chat.postEphemeral")
    assert notice.params["user"] == UPLOADER
    assert notice.params["thread_ts"] == event["ts"]
    assert FULL_NUMBER_WARNING in shown(notice.params)
    assert_no_card_number_anywhere(bot, caplog)


async def finished(bot: RunningBot, event: dict[str, object]) -> None:
    """Wait for the done reaction: everything the job does (copy, audit row) is behind it."""
    channel, ts = str(event["channel"]), str(event["ts"])
    await eventually(lambda: bot.slack.reactions_on(channel, ts) == ["white_check_mark"])


@pytest.mark.parametrize("bot_overrides", [{"card_channels": ["C0CARDS"]}])
async def test_card_channels_are_the_only_places_cards_are_read(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    declined = upload_card(bot, "C_PURCHASING", "channel")
    await bot.send.event(declined)
    [refusal] = await bot.wait_for("chat.postEphemeral")
    assert refusal.params["user"] == UPLOADER
    assert "<#C0CARDS>" in shown(refusal.params)
    assert bot.nhn.calls("credit-card") == 0

    accepted = upload_card(bot, "C0CARDS", "channel")
    await bot.send.event(accepted)
    await bot.wait_for("chat.postEphemeral", 2)
    await finished(bot, accepted)
    assert bot.nhn.calls("credit-card") == 1
    assert_no_card_number_anywhere(bot, caplog)


@pytest.mark.parametrize("bot_overrides", [{"card_delete_original": True}])
@pytest.mark.parametrize(
    ("deletable", "said"),
    [(True, "원본 사진은 봇이 삭제했습니다"), (False, "Slack이 봇의 삭제를 허용하지")],
)
async def test_the_original_is_deleted_when_asked_and_slack_allows_it(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, deletable: bool, said: str
) -> None:
    bot.slack.files_deletable = deletable
    event = upload_card(bot, "C_PURCHASING", "channel")
    await bot.send.event(event)
    [reply] = await bot.wait_for("chat.postEphemeral")
    assert said in shown(reply.params)
    [delete] = bot.slack.calls_to("files.delete")
    assert delete.params["file"] == event["files"][0]["id"]
    assert (delete.error is None) is deletable
    await finished(bot, event)
    assert_no_card_number_anywhere(bot, caplog)  # the refusal's error included


def pixel(image: bytes, x: int, y: int) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(image)) as decoded:
        red, green, blue = decoded.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return red, green, blue


async def test_a_redacted_copy_of_the_photo_is_posted_in_the_thread(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = upload_card(bot, "C_PRIVATE_TEAM", "group")

    await bot.send.event(event)

    await bot.wait_for("files.completeUploadExternal")
    await finished(bot, event)
    assert_no_card_number_anywhere(bot, caplog)
    [copy] = bot.slack.uploads
    assert copy.thread_ts == event["ts"]
    assert copy.channels == ("C_PRIVATE_TEAM",)
    assert copy.filename == "card-redacted.jpg"
    # The fake NHN puts four 128 px groups from x=62 at y=256..301 and the expiry at 316,315.
    covered = [pixel(copy.content, 62 + 152 * group + 64, 278) for group in range(3)]
    assert all(max(colour) < 60 for colour in covered)
    assert pixel(copy.content, 62 + 152 * 3 + 64, 278)[2] > 90  # the last group still shows
    assert max(pixel(copy.content, 370, 330)) < 60  # the expiry is covered


async def test_no_copy_is_posted_when_nhns_boxes_do_not_fit_the_groups(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    groups = [CARD_NUMBER[start : start + 4] for start in range(0, 16, 4)]
    # Three boxes for four groups: which digits each covers is unknown, so none is trusted.
    boxes = [nhn_box(62 + 152 * n, 256, 128, 45) for n in range(3)]
    bot.nhn.script(
        "credit-card",
        Reply.ok(
            {
                "fileType": "jpg",
                "resolution": "normal",
                "cardNums": [{"value": group, "conf": 0.97} for group in groups],
                "totalCardNum": CARD_NUMBER,
                "cardNumBoxes": boxes,
                "validThru": {"value": "12/29", "conf": 0.91},
                "validThruBox": nhn_box(316, 315, 110, 32),
            }
        ),
    )
    event = upload_card(bot, "C_PRIVATE_TEAM", "group")

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await finished(bot, event)
    assert reply.params["thread_ts"] == event["ts"]
    assert "1881" in shown(reply.params)  # the result is still posted
    assert bot.nhn.calls("credit-card") == 1
    assert bot.slack.calls_to("files.getUploadURLExternal") == []
    assert bot.slack.calls_to("files.completeUploadExternal") == []
    assert bot.slack.uploads == []
    assert "no redacted copy" in caplog.text  # skipped on purpose, not failed
    assert_no_card_number_anywhere(bot, caplog)


async def test_a_card_upload_writes_no_file_but_the_database(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # The bot's working directory is the test's, and its temporary files would go to TMPDIR.
    def top_level() -> set[Path]:
        return {*Path.cwd().iterdir(), *Path(tempfile.gettempdir()).iterdir()}

    def here() -> set[Path]:
        return set(tmp_path.rglob("*"))

    before, before_here = top_level(), here()
    event = upload_card(bot, "C_PRIVATE_TEAM", "group")

    await bot.send.event(event)
    await bot.wait_for("files.completeUploadExternal")
    await finished(bot, event)

    assert top_level() - before == set()
    written = {path.name for path in here() - before_here}
    assert written <= {"bot.db-journal", "bot.db-wal", "bot.db-shm"}  # bot.db was there
    assert_no_card_number_anywhere(bot, caplog)

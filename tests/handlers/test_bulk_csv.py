"""Bulk CSV checks end to end: the real bot over HTTP, the fake Slack, the fake providers."""

import csv
import io
import time
from collections.abc import Sequence
from typing import Any

import pytest

from bot.blocks.ids import BULK_LOOK_UP_ANYWAY, BULK_WATCH_ALL
from bot.domain import bizno
from fakes import nts
from fakes.nts import NtsFake
from fakes.slack import TEAM_ID
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.support.helpers import eventually, shown
from tests.support.numbers import valid_business_numbers

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
CLICKER = "U0BUYER"
OPEN, CLOSED, INACTIVE = "2208162517", "1248100998", "1018200013"
RATE_PER_S = 100.0


def csv_bytes(rows: Sequence[Sequence[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


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


# A CSV shared with the word bizstatus


def bot_thread_message(bot: RunningBot, thread_ts: str) -> dict[str, Any]:
    """The bot's one message in the upload's thread, as it stands now."""
    [posted] = [
        c
        for c in bot.slack.calls_to("chat.postMessage")
        if c.params["channel"] == CHANNEL and c.params.get("thread_ts") == thread_ts
    ]
    updates = bot.slack.calls_to("chat.update")
    if not updates:
        return posted.params
    message = bot.slack.message(CHANNEL, updates[-1].params["ts"])
    assert message is not None
    return message


async def share_csv(bot: RunningBot, content: bytes, *, text: str = "bizstatus") -> str:
    """Share a CSV in CHANNEL with `text`; returns the message ts (the thread)."""
    file = bot.slack.add_file("거래처.csv", content, "text/csv", "csv", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text=text)
    response = await bot.send.event(event)
    assert response.status_code == 200
    return str(event["ts"])


async def test_a_csv_shared_with_bizstatus_is_checked_row_by_row(bot: RunningBot) -> None:
    bot.nhn.statuses.update({CLOSED: "06", INACTIVE: "05"})
    rows = [
        ["상호", "사업자등록번호"],
        ["한빛", OPEN],
        ["가나", CLOSED],
        ["다라", INACTIVE],
        ["오타", "123-45-67890"],
        ["중복", "220-81-62517"],
    ]

    thread = await share_csv(bot, csv_bytes(rows, encoding="cp949"), text="bizstatus 거래처 점검")

    await eventually(lambda: len(bot.slack.uploads) == 1)
    [result] = bot.slack.uploads
    assert (result.channels, result.thread_ts) == ((CHANNEL,), thread)
    lines = result.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 5
    await eventually(lambda: "일괄 조회 결과" in shown(bot_thread_message(bot, thread)))
    summary = shown(bot_thread_message(bot, thread))
    assert "5행을 읽어 번호 3개를 조회했습니다" in summary
    assert "5행 123-45-67890" in summary
    assert bot.nhn.calls("business/status") == 3
    assert bot.nhn.calls("business") == 0  # a CSV is not a certificate
    alerts = await bot.wait_for("chat.postMessage", 3)
    assert len([c for c in alerts if c.params["channel"] == ALERTS_CHANNEL]) == 2

    # The summary's own button watches the file's three valid numbers.
    watch_all, _ = [
        element
        for block in bot_thread_message(bot, thread)["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    # One click adds them all: Slack asks first, naming how many.
    assert watch_all["confirm"]["title"]["text"] == "모두 감시할까요?"
    assert "3곳을 관심 거래처로 등록합니다" in watch_all["confirm"]["text"]["text"]
    answer = await click_watch_all(bot, watch_all["value"])
    assert "3곳을 관심 거래처로 등록했습니다" in shown(answer)


async def test_watch_all_from_a_forged_file_id_adds_nothing_from_elsewhere(
    bot: RunningBot,
) -> None:
    elsewhere = bot.slack.add_file(
        "남의 목록.csv", csv_bytes([[OPEN], [CLOSED]]), "text/csv", "csv", channel="C_OTHER"
    )

    answer = await click_watch_all(bot, elsewhere["id"])
    forged = await click_watch_all(bot, elsewhere["id"] + "+, F0123")

    assert "감시 목록에 추가할 수 없습니다" in shown(answer)
    assert "감시 목록에 추가할 수 없습니다" in shown(forged)
    assert await bot.runtime.services.store.watches.list(TEAM_ID) == []


def summary_buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def looked_up(bot: RunningBot) -> list[str]:
    return [
        str(request.body["businessNumber"])
        for request in bot.nhn.requests_to("business/status")
        if request.body
    ]


async def click_look_up_anyway(bot: RunningBot, value: str, thread: str) -> None:
    """The summary's "look up anyway" button clicked in `thread`, with `value`."""
    payload = bot.send.block_action(
        BULK_LOOK_UP_ANYWAY,
        value,
        user=CLICKER,
        channel=CHANNEL,
        message_ts=new_ts(),
        thread_ts=thread,
        block_id="bulk_actions",
    )
    assert (await bot.send.action(payload)).status_code == 200


async def test_rows_whose_check_digit_differs_are_looked_up_only_on_request(
    bot: RunningBot,
) -> None:
    # Two of the real numbers python-stdnum lists that fail the usual check digit, and
    # one no tax office issues although it passes it.
    rows = [
        ["사업자등록번호"],
        [OPEN],
        ["306-82-00417"],
        [CLOSED],
        ["728-86-00316"],
        ["000-00-00000"],
    ]
    thread = await share_csv(bot, csv_bytes(rows))
    await eventually(lambda: len(bot.slack.uploads) == 1)
    await eventually(lambda: "일괄 조회 결과" in shown(bot_thread_message(bot, thread)))
    summary = bot_thread_message(bot, thread)
    assert "⚠️ 검증번호 불일치*\\n2개" in shown(summary)
    assert "❌ 올바르지 않은 번호*\\n1개" in shown(summary)
    assert sorted(looked_up(bot)) == sorted([OPEN, CLOSED])  # none for the two, yet
    anyway = summary_buttons(summary)[BULK_LOOK_UP_ANYWAY]
    assert anyway["text"]["text"] == "그래도 조회 (2)"
    [first_result] = bot.slack.uploads
    assert "검증번호 불일치: 조회하지 않음" in first_result.content.decode("utf-8-sig")

    await click_look_up_anyway(bot, anyway["value"], thread)

    await eventually(lambda: len(bot.slack.uploads) == 2)
    # Exactly one call for each of the two; the others come from the status cache.
    assert sorted(looked_up(bot)) == sorted([OPEN, CLOSED, "3068200417", "7288600316"])
    second_result = bot.slack.uploads[1]
    assert second_result.thread_ts == thread
    lines = second_result.content.decode("utf-8-sig").splitlines()
    assert lines[2].startswith("3,306-82-00417,306-82-00417,01,")
    assert lines[2].endswith("검증번호 불일치: 요청에 따라 조회함")
    assert lines[5].startswith("6,000-00-00000,,,,,")  # still not looked up

    def again() -> dict[str, Any]:
        return bot.slack.calls_to("chat.update")[-1].params

    await eventually(
        lambda: bool(bot.slack.calls_to("chat.update")) and "요청에 따라" in shown(again())
    )
    assert BULK_LOOK_UP_ANYWAY not in summary_buttons(again())
    watch_all = summary_buttons(again())[BULK_WATCH_ALL]
    assert watch_all["value"] == anyway["value"] + "+"
    answer = await click_watch_all(bot, watch_all["value"])
    assert "4곳을 관심 거래처로 등록했습니다" in shown(answer)
    watched = await bot.runtime.services.store.watches.list(TEAM_ID)
    assert sorted(w.business_number for w in watched) == sorted(
        [OPEN, CLOSED, "3068200417", "7288600316"]
    )
    assert len(looked_up(bot)) == 4  # the new watches' first lookups came from the cache


async def test_a_forged_look_up_anyway_value_checks_nothing(bot: RunningBot) -> None:
    thread = new_ts()
    await click_look_up_anyway(bot, "../../etc/passwd", thread)

    await bot.wait_for("chat.postMessage")
    assert "파일을 다시 올려" in shown(bot_thread_message(bot, thread))
    assert bot.slack.calls_to("files.info") == []
    assert bot.nhn.calls("business/status") == 0


async def test_look_up_anyway_of_a_file_from_another_channel_reads_nothing(
    bot: RunningBot,
) -> None:
    # A forged value naming a list shared where the clicker is not: its numbers must not
    # be read out into this thread.
    elsewhere = bot.slack.add_file(
        "비공개.csv", csv_bytes([["306-82-00417"]]), "text/csv", "csv", channel="G0SECRET"
    )
    thread = new_ts()
    await click_look_up_anyway(bot, str(elsewhere["id"]), thread)

    await bot.wait_for("chat.postMessage")
    assert "파일을 다시 올려" in shown(bot_thread_message(bot, thread))
    assert bot.slack.downloads == []
    assert bot.slack.uploads == []
    assert bot.nhn.calls("business/status") == 0


async def test_a_csv_that_gives_no_list_is_answered_in_its_thread(bot: RunningBot) -> None:
    thread = await share_csv(bot, b"\r\n\r\n", text="bizstatus please")

    await bot.wait_for("chat.postMessage")
    reply = shown(bot_thread_message(bot, thread))
    assert "⚠️" in reply
    assert "파일이 비어 있습니다" in reply
    assert bot.slack.uploads == []
    assert bot.nhn.calls("business/status") == 0


class TestFiveThousandRows:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        return fake_nts.overrides() | {"status_rate_per_s": RATE_PER_S}

    async def test_within_the_rate_limit(self, bot: RunningBot, fake_nts: NtsFake) -> None:
        numbers = valid_business_numbers(5000)
        fake_nts.businesses[numbers[1234]] = nts.CLOSED
        content = csv_bytes([["사업자등록번호"], *[[n] for n in numbers]], encoding="cp949")
        started = time.monotonic()

        thread = await share_csv(bot, content)

        await eventually(lambda: len(bot.slack.uploads) == 1, timeout_s=60)
        elapsed = time.monotonic() - started
        # The NTS takes 100 numbers a call; the calls were spaced by STATUS_RATE_PER_S.
        assert fake_nts.calls == 50
        assert all(len(batch) == 100 for batch in fake_nts.batches())
        assert elapsed >= (fake_nts.calls - 1) / RATE_PER_S
        await eventually(lambda: "일괄 조회 결과" in shown(bot_thread_message(bot, thread)))
        assert "5,000행을 읽어 번호 5,000개를 조회했습니다" in shown(
            bot_thread_message(bot, thread)
        )
        assert len(bot.slack.uploads[0].content.decode("utf-8-sig").splitlines()) == 5001
        assert bot.nhn.calls("business/status") == 0
        alerts = await bot.wait_for("chat.postMessage", 2)
        [alert] = [c for c in alerts if c.params["channel"] == ALERTS_CHANNEL]
        assert bizno.format(numbers[1234]) in shown(alert.params)


class TestAuthenticityColumns:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        return fake_nts.overrides() | {"status_rate_per_s": RATE_PER_S}

    async def test_rows_with_an_opening_date_and_representative_are_verified_100_per_call(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        numbers = valid_business_numbers(251)
        for number in numbers[:250]:
            fake_nts.register[number] = nts.Registered("20150302", ("홍길동",))
        rows = [["사업자등록번호", "개업연월일", "대표자"]]
        rows += [[n, "2015 년 03 월 02 일", "홍길동"] for n in numbers[:249]]
        rows.append([numbers[249], "2015-03-03", "홍길동"])  # one day off: no match
        rows.append([numbers[250], "", ""])  # no details: looked up, not verified
        content = csv_bytes(rows, encoding="cp949")

        thread = await share_csv(bot, content)

        await eventually(lambda: len(bot.slack.uploads) == 1, timeout_s=30)
        calls = fake_nts.validations()
        assert [len(call) for call in calls] == [100, 100, 50]
        assert {b["start_dt"] for call in calls for b in call} == {"20150302", "20150303"}
        lines = list(csv.reader(io.StringIO(bot.slack.uploads[0].content.decode("utf-8-sig"))))
        assert lines[0][-1] == "진위확인"
        assert [line[-1] for line in lines[1:]] == ["일치"] * 249 + ["불일치", ""]
        await eventually(lambda: "일괄 조회 결과" in shown(bot_thread_message(bot, thread)))
        summary = shown(bot_thread_message(bot, thread))
        assert "진위확인* (250행): ✅ 일치 249 · ❌ 불일치 1 · ⚪ 확인 못함 0" in summary


class TestAuthenticityColumnsInEnglish:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        return fake_nts.overrides() | {"language": "en"}

    async def test_english_headers_and_a_name_that_differs(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        fake_nts.register[OPEN] = nts.Registered("20120305", ("김민준",), "주식회사 한빛")
        rows = [
            ["Business No", "Name", "Representative", "Opened"],
            [OPEN, "한빛 주식회사", "김민준", "2012-03-05"],
        ]

        await share_csv(bot, csv_bytes(rows))

        await eventually(lambda: len(bot.slack.uploads) == 1, timeout_s=30)
        lines = list(csv.reader(io.StringIO(bot.slack.uploads[0].content.decode("utf-8-sig"))))
        assert lines[0][-1] == "authenticity"
        assert lines[1][-1] == "company name differs"
        # With the name first, then without it.
        assert [[b["b_nm"] for b in call] for call in fake_nts.validations()] == [
            ["한빛 주식회사"],
            [""],
        ]

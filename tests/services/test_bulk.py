"""Bulk CSV checks: the real service on a real store, the real status service against the
fake NHN, and the fake Slack over HTTP (downloads, progress, summary, result file)."""

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.ids import BULK_LOOK_UP_ANYWAY, BULK_WATCH_ALL
from bot.config import Settings
from bot.domain import bizno
from bot.ocr import OcrClient
from bot.services.audit import Auditor
from bot.services.bizstatus import ResponseUrl
from bot.services.bulk import BulkCheckService, ProgressThrottle
from bot.services.notifier import TeamNotifier
from bot.services.status import RateLimiter, StatusAnswer, StatusService
from bot.services.watchlist import WatchlistService
from bot.slack.client import create_web_client
from bot.slack.files import SlackFileDownloader
from bot.store import Store
from tests.support import nts
from tests.support.databases import sqlite_url
from tests.support.nhn import STATUS, NhnFake, Reply
from tests.support.nts import NtsFake
from tests.support.numbers import valid_business_numbers
from tests.support.slack_fake import FakeSlack

TEAM = "T0001"
CHANNEL = "C_PURCHASING"
ALERTS = "C_ALERTS"
USER = "U0BUYER"
THREAD = "1700000000.000100"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 18:00 in Korea

OPEN, CLOSED, INACTIVE = "2208162517", "1248100998", "1018200013"
PROGRESS = re.compile(r"조회 중: ([\d,]+)개 완료")


def csv_bytes(rows: Sequence[Sequence[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bench:
    slack: FakeSlack
    nhn: NhnFake
    store: Store
    settings: Settings
    client: AsyncWebClient
    downloader: SlackFileDownloader
    status: StatusService
    notifier: TeamNotifier
    watchlist: WatchlistService
    auditor: Auditor
    clock: Clock
    bulk: BulkCheckService

    def service(self, **overrides: Any) -> BulkCheckService:
        """Another bulk service on the same parts, e.g. with a progress clock of its own."""
        parts: dict[str, Any] = {
            "client": self.client,
            "downloader": self.downloader,
            "status": self.status,
            "notifier": self.notifier,
            "watchlist": self.watchlist,
            "auditor": self.auditor,
            "settings": self.settings,
            "clock": self.clock,
            "progress_interval_s": 0.0,
        }
        return BulkCheckService(**(parts | overrides))

    def share(self, content: bytes, name: str = "거래처.csv") -> dict[str, Any]:
        return self.slack.add_file(name, content, "text/csv", "csv", channel=CHANNEL, user=USER)

    async def run(self, file: dict[str, Any], service: BulkCheckService | None = None) -> None:
        await (service or self.bulk).check_file(
            team_id=TEAM, user_id=USER, channel_id=CHANNEL, thread_ts=THREAD, file=file
        )

    def thread_message(self) -> dict[str, Any]:
        """The bot's one message in the thread, as it stands now."""
        [posted] = [
            c for c in self.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL
        ]
        assert posted.params["thread_ts"] == THREAD
        updates = self.slack.calls_to("chat.update")
        if not updates:
            return posted.params
        message = self.slack.message(CHANNEL, updates[-1].params["ts"])
        assert message is not None
        return message

    def alerts(self) -> list[dict[str, Any]]:
        return [
            c.params
            for c in self.slack.calls_to("chat.postMessage")
            if c.params["channel"] == ALERTS
        ]

    def result_rows(self) -> list[list[str]]:
        [upload] = self.slack.uploads
        assert upload.channels == (CHANNEL,)
        assert upload.thread_ts == THREAD
        assert upload.content.startswith(b"\xef\xbb\xbf")  # Excel reads Korean UTF-8 with a BOM
        return list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"), newline="")))


@asynccontextmanager
async def open_bench(
    fake_slack: FakeSlack, fake_nhn: NhnFake, database_url: str, **overrides: Any
) -> AsyncIterator[Bench]:
    values: dict[str, Any] = {
        "slack_bot_token": fake_slack.bot_token,
        "slack_api_url": fake_slack.api_url,
        "database_url": database_url,
        "notify_channel": ALERTS,
        "status_rate_per_s": 10_000,
    }
    settings = fake_nhn.settings(**(values | overrides))
    clock = Clock()
    store = await Store.open(settings.database_url)
    client = create_web_client(settings)
    ocr = OcrClient(settings)
    downloader = SlackFileDownloader(
        client, api_url=settings.slack_api_url, max_bytes=settings.file_max_bytes
    )
    status = StatusService.from_settings(settings, ocr=ocr, history=store.statuses, clock=clock)
    auditor = Auditor(store.audit, clock=clock)
    notifier = TeamNotifier(client, store, settings, clock=clock)
    watchlist = WatchlistService(
        store=store,
        status=status,
        client=client,
        auditor=auditor,
        settings=settings,
        clock=clock,
        worker_id="bulk-tests",
    )
    bulk = BulkCheckService(
        client=client,
        downloader=downloader,
        status=status,
        notifier=notifier,
        watchlist=watchlist,
        auditor=auditor,
        settings=settings,
        clock=clock,
    )
    try:
        yield Bench(
            fake_slack,
            fake_nhn,
            store,
            settings,
            client,
            downloader,
            status,
            notifier,
            watchlist,
            auditor,
            clock,
            bulk,
        )
    finally:
        await downloader.aclose()
        await status.aclose()
        await ocr.aclose()
        await store.close()


@pytest.fixture
async def bench(fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path) -> AsyncIterator[Bench]:
    async with open_bench(fake_slack, fake_nhn, sqlite_url(tmp_path)) as opened:
        yield opened


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False) + str(message.get("text"))


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


MIXED = [
    ["상호", "사업자등록번호"],
    ["한빛", "220-81-62517"],
    ["가나", "124-81-00998"],
    ["다라", "101-82-00013"],
    ["마바", "123-45-67890"],
    ["사아", "2208162517"],
    ["자차", '=HYPERLINK("https://evil.example","x")'],
    ["", ""],
    ["카타", "<!channel>"],
]


# The whole run


async def test_a_csv_is_checked_and_summarised_in_its_thread(bench: Bench) -> None:
    bench.nhn.statuses.update({CLOSED: "06", INACTIVE: "05"})
    file = bench.share(csv_bytes(MIXED))

    await bench.run(file)

    assert bench.nhn.calls(STATUS) == 3  # the duplicate and the invalid rows cost nothing
    summary = bench.thread_message()
    text = shown(summary)
    assert "9행을 읽어 번호 3개를 조회했습니다" not in text  # blank rows are not data rows
    assert "7행을 읽어 번호 3개를 조회했습니다" in text
    assert "열: 사업자등록번호" in text
    assert "같은 번호가 다시 나온 1행" in text
    for badge_and_count in (
        "🔴 폐업자*\\n1개",
        "🟡 휴업자*\\n1개",
        "🟢 계속사업자(일반과세자)*\\n1개",
    ):
        assert badge_and_count in text
    assert "❌ 올바르지 않은 번호*\\n2개" in text
    assert "⚠️ 검증번호 불일치*\\n1개" in text
    # Alerts are named with their rows; invalid rows with theirs and the reason.
    assert "124-81-00998 (3행)" in text
    assert "101-82-00013 (4행)" in text
    assert "검증번호가 흔히 쓰는 규칙과 다른 번호* (1개, 조회하지 않음)" in text
    assert "5행 123-45-67890" in text
    assert "9행 &lt;!channel&gt;" in text  # a person's text is shown inert
    assert "<!channel>" not in text
    assert "📎" in text  # the result file is attached
    watch_all, anyway = buttons(summary)
    assert watch_all["action_id"] == BULK_WATCH_ALL
    assert watch_all["value"] == file["id"]
    assert "(3)" in watch_all["text"]["text"]
    assert (anyway["action_id"], anyway["value"]) == (BULK_LOOK_UP_ANYWAY, file["id"])
    assert anyway["text"]["text"] == "그래도 조회 (1)"


async def test_the_result_csv_has_every_row_with_its_outcome(bench: Bench) -> None:
    bench.nhn.statuses.update({CLOSED: "06", INACTIVE: "05"})

    await bench.run(bench.share(csv_bytes(MIXED)))

    rows = bench.result_rows()
    assert rows[0] == [
        "행",
        "입력값",
        "사업자등록번호",
        "상태코드",
        "상태",
        "조회 시각(KST)",
        "오류",
    ]
    checked = "2026-03-02 18:00:00"
    assert rows[1:] == [
        ["2", "220-81-62517", "220-81-62517", "01", "계속사업자(일반과세자)", checked, ""],
        ["3", "124-81-00998", "124-81-00998", "06", "폐업자", checked, ""],
        ["4", "101-82-00013", "101-82-00013", "05", "휴업자", checked, ""],
        [
            "5",
            "123-45-67890",
            "123-45-67890",
            "",
            "",
            "",
            "검증번호 불일치: 조회하지 않음 (요약의 '그래도 조회'로 조회)",
        ],
        [
            "6",
            "2208162517",
            "220-81-62517",
            "01",
            "계속사업자(일반과세자)",
            checked,
            "2행과 같은 번호",
        ],
        [
            "7",
            '\'=HYPERLINK("https://evil.example","x")',  # a formula is written as text
            "",
            "",
            "",
            "",
            bizno.InvalidBusinessNumber("characters").message.ko,
        ],
        ["9", "<!channel>", "", "", "", "", bizno.InvalidBusinessNumber("characters").message.ko],
    ]


async def test_closed_and_inactive_businesses_are_announced_once_per_cooldown(
    bench: Bench,
) -> None:
    bench.nhn.statuses.update({CLOSED: "06", INACTIVE: "05"})

    await bench.run(bench.share(csv_bytes(MIXED)))

    alerts = bench.alerts()
    assert len(alerts) == 2
    assert {"124-81-00998", "101-82-00013"} == {
        number for alert in alerts for number in re.findall(r"\d{3}-\d{2}-\d{5}", shown(alert))
    }
    assert all(f"<@{USER}>" in shown(alert) for alert in alerts)
    assert all("example.slack.com/archives/C_PURCHASING" in shown(alert) for alert in alerts)

    await bench.run(bench.share(csv_bytes(MIXED)))

    assert len(bench.alerts()) == 2  # within the cooldown: the team heard already


async def test_the_check_is_audited_with_the_file_id(bench: Bench) -> None:
    file = bench.share(csv_bytes([["b_no"], *[[n] for n in valid_business_numbers(5)], ["123"]]))

    await bench.run(file)

    [entry] = await bench.store.audit.recent(TEAM, limit=5)
    assert (entry.action, entry.user_id, entry.subject) == ("bulk_check", USER, file["id"])
    assert entry.outcome == "5 checked"


async def test_lookup_failures_are_counted_and_explained(bench: Bench) -> None:
    bench.nhn.script(STATUS, *[Reply.error(4000102)] * 3)
    file = bench.share(csv_bytes([[n] for n in valid_business_numbers(8)]))

    await bench.run(file)

    text = shown(bench.thread_message())
    assert "⚠️ 조회하지 못함*\\n3개" in text
    assert "조회하지 못한 번호* (3개)" in text
    assert "국세청에 등록되지 않은 사업자등록번호입니다. 번호를 확인해 주세요. (3개)" in text
    failed = [row for row in bench.result_rows()[1:] if row[6]]
    assert len(failed) == 3
    assert all(row[3] == "" and "국세청에 등록되지 않은" in row[6] for row in failed)


async def test_many_invalid_rows_show_the_first_few_then_how_many_more(bench: Bench) -> None:
    rows = [["사업자번호"], *[[f"12345{i:02d}"] for i in range(12)], [OPEN]]

    await bench.run(bench.share(csv_bytes(rows)))

    text = shown(bench.thread_message())
    assert "*올바르지 않은 번호* (12행)" in text
    assert "2행 1234500" in text
    assert "6행 1234504" in text
    assert "7행 1234505" not in text
    assert "… 외 7개는 결과 파일에 있습니다." in text
    assert len(bench.result_rows()) == 1 + 13


async def test_a_recent_answer_is_reused_and_said_so(bench: Bench) -> None:
    numbers = valid_business_numbers(5)
    await bench.run(bench.share(csv_bytes([[n] for n in numbers])))
    bench.slack.calls.clear()
    bench.slack.uploads.clear()
    bench.clock.now = START + timedelta(minutes=30)

    await bench.run(bench.share(csv_bytes([[n] for n in numbers])))

    assert bench.nhn.calls(STATUS) == 5  # no new paid lookups within STATUS_CACHE_TTL
    text = shown(bench.thread_message())
    assert "🕘 5개는 최근 조회 결과" in text
    assert {row[5] for row in bench.result_rows()[1:]} == {"2026-03-02 18:00:00"}


async def test_english(fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path) -> None:
    async with open_bench(fake_slack, fake_nhn, sqlite_url(tmp_path), language="en") as bench:
        await bench.run(bench.share(csv_bytes([["business number"], [OPEN], ["123"]])))

        text = shown(bench.thread_message())
        assert "Rows read: 2. Numbers checked: 1." in text
        assert "row 3 123: A business registration number has 10 digits, not 3" in text
        assert bench.result_rows()[0][:3] == ["row", "input", "number"]


# Progress


async def test_progress_is_posted_then_updated_and_replaced_by_the_summary(bench: Bench) -> None:
    numbers = valid_business_numbers(40)
    service = bench.service(progress_interval_s=0.0)

    await bench.run(bench.share(csv_bytes([[n] for n in numbers])), service)

    [posted] = [
        c for c in bench.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL
    ]
    assert PROGRESS.search(posted.params["text"])[1] == "0"  # type: ignore[index]
    updates = bench.slack.calls_to("chat.update")
    assert {call.params["ts"] for call in updates} == {bench.thread_message()["ts"]}
    progress = [
        int(match[1]) for call in updates if (match := PROGRESS.search(call.params["text"]))
    ]
    assert progress, "no progress update between the first message and the summary"
    assert progress == sorted(progress)
    steps = [later - earlier for earlier, later in zip([0, *progress], progress, strict=False)]
    assert all(step >= 4 for step in steps)  # at least a tenth of the work between updates
    assert len(progress) <= 9
    assert "사업자 상태 일괄 조회 결과" in updates[-1].params["text"]


async def test_progress_waits_for_its_interval(bench: Bench) -> None:
    service = bench.service(progress_interval_s=3600.0)

    await bench.run(bench.share(csv_bytes([[n] for n in valid_business_numbers(40)])), service)

    [update] = bench.slack.calls_to("chat.update")  # only the summary
    assert "사업자 상태 일괄 조회 결과" in update.params["text"]


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_throttle_passes_reports_two_seconds_and_a_tenth_apart() -> None:
    shown_reports: list[tuple[int, int]] = []

    async def show(done: int, total: int) -> None:
        shown_reports.append((done, total))

    ticker = Ticker()
    throttle = ProgressThrottle(show, ticker=ticker, interval_s=2.0)

    await throttle(50, 100)  # half done, but no time has passed
    ticker.now += 2.0
    await throttle(55, 100)
    ticker.now += 5.0
    await throttle(60, 100)  # five more since the last report: under a tenth
    await throttle(65, 100)  # a tenth since the last report, but no time since the last call
    ticker.now += 0.5
    await throttle(90, 100)  # a tenth more, but only half a second later
    ticker.now += 1.5
    await throttle(91, 100)
    ticker.now += 10
    await throttle(100, 100)  # done: the caller shows the result instead

    assert shown_reports == [(55, 100), (65, 100), (91, 100)]


# Nothing to look up, and failures


async def test_a_file_without_valid_numbers_gets_a_summary_and_no_lookups(bench: Bench) -> None:
    await bench.run(bench.share(csv_bytes([["b_no"], ["123"], ["123-45-67890"]])))

    assert bench.nhn.calls(STATUS) == 0
    assert bench.slack.calls_to("chat.update") == []
    summary = bench.thread_message()
    assert "❌ 올바르지 않은 번호*\\n1개" in shown(summary)
    assert "⚠️ 검증번호 불일치*\\n1개" in shown(summary)
    # Nothing to watch; the number whose check digit differs can be looked up anyway.
    assert [b["action_id"] for b in buttons(summary)] == [BULK_LOOK_UP_ANYWAY]
    assert len(bench.result_rows()) == 3


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "파일이 비어 있습니다"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "CSV 파일로 읽을 수 없는 파일입니다"),
        (b"PK\x03\x04\x14\x00\x06\x00", "엑셀 통합 문서"),
        ("상호,대표자\n한빛,김민준\n".encode(), "사업자등록번호가 든 열을 찾지 못했습니다"),
    ],
)
async def test_a_file_that_gives_no_list_is_answered_in_the_thread(
    bench: Bench, content: bytes, said: str
) -> None:
    await bench.run(bench.share(content))

    assert said in shown(bench.thread_message())
    assert "⚠️" in shown(bench.thread_message())
    assert bench.nhn.calls(STATUS) == 0
    assert bench.slack.uploads == []


async def test_a_deleted_file_is_answered_in_the_thread(bench: Bench) -> None:
    file = bench.share(csv_bytes([[OPEN]]))
    bench.slack.files_deletable = True
    await bench.client.files_delete(file=file["id"])

    await bench.run({"id": file["id"]})

    assert "파일이 삭제되었거나" in shown(bench.thread_message())


async def test_a_missing_files_read_scope_is_explained(bench: Bench) -> None:
    file = bench.slack.add_file(
        "거래처.csv", csv_bytes([[OPEN]]), "text/csv", "csv", channel=CHANNEL, serve="html_login"
    )

    await bench.run(file)

    assert "files:read" in shown(bench.thread_message())


class BrokenProvider:
    """A provider with a bug: the kind of failure nobody planned a message for."""

    name = "broken"
    batch_size = 1

    async def check(self, numbers: Sequence[str]) -> dict[str, StatusAnswer]:
        raise RuntimeError("a bug in the provider")

    async def aclose(self) -> None:
        return None


async def test_an_unexpected_error_still_ends_in_a_reply(bench: Bench) -> None:
    status = StatusService(
        BrokenProvider(), None, cache_ttl=timedelta(0), limiter=RateLimiter(1000)
    )
    service = bench.service(status=status)

    await bench.run(bench.share(csv_bytes([[OPEN]])), service)

    text = shown(bench.thread_message())  # the progress message became the failure
    assert "예상하지 못한 오류" in text
    assert "a bug in the provider" not in text


async def test_a_refused_upload_still_gives_the_summary(bench: Bench) -> None:
    bench.slack.fail_next("files.getUploadURLExternal", error="not_in_channel", status=200)

    await bench.run(bench.share(csv_bytes([[OPEN]])))

    text = shown(bench.thread_message())
    assert "결과 CSV 파일을 올리지 못했습니다" in text
    assert "🟢 계속사업자(일반과세자)*\\n1개" in text


# Watch all


async def watch_all(bench: Bench, file_id: str) -> dict[str, Any]:
    url = bench.slack.response_url()
    await bench.bulk.watch_all(
        file_id, ResponseUrl(url, bench.client), team_id=TEAM, user_id=USER, channel_id=CHANNEL
    )
    [answer] = bench.slack.responses(url)
    assert answer["response_type"] == "ephemeral"
    return answer


async def test_watch_all_adds_every_valid_number_of_the_file(
    fake_slack: FakeSlack, fake_nhn: NhnFake, database_url: str
) -> None:
    """On both databases: `database_url` runs each test on SQLite and on PostgreSQL."""
    async with open_bench(fake_slack, fake_nhn, database_url) as bench:
        file = bench.share(csv_bytes(MIXED))
        await bench.run(file)
        [button, _] = buttons(bench.thread_message())

        first = await watch_all(bench, button["value"])
        again = await watch_all(bench, button["value"])

        watched = await bench.store.watches.list(TEAM)
        assert sorted(w.business_number for w in watched) == sorted([OPEN, CLOSED, INACTIVE])
        assert {w.created_by for w in watched} == {USER}
        assert {w.channel_id for w in watched} == {ALERTS}  # NOTIFY_CHANNEL hears of changes
        assert "3곳을 관심 거래처로 등록했습니다" in shown(first)
        assert "0곳을 관심 거래처로 등록했습니다 (3곳은 이미 등록됨)" in shown(again)


async def test_watch_all_with_a_forged_value_adds_nothing(bench: Bench) -> None:
    answer = await watch_all(bench, "../../etc/passwd")

    assert "감시 목록에 추가할 수 없습니다" in shown(answer)
    assert await bench.store.watches.list(TEAM) == []
    assert bench.slack.calls_to("files.info") == []


async def test_watch_all_of_a_file_from_another_channel_reads_nothing(bench: Bench) -> None:
    # A forged value naming a list shared where the clicker is not: not read, not watched.
    elsewhere = bench.slack.add_file(
        "비공개.csv", csv_bytes(MIXED), "text/csv", "csv", channel="G0SECRET", user=USER
    )

    answer = await watch_all(bench, elsewhere["id"])

    assert "감시 목록에 추가할 수 없습니다" in shown(answer)
    assert await bench.store.watches.list(TEAM) == []
    assert bench.slack.downloads == []


async def test_watch_all_of_a_deleted_file_explains(bench: Bench) -> None:
    file = bench.share(csv_bytes([[OPEN]]))
    bench.slack.files_deletable = True
    await bench.client.files_delete(file=file["id"])

    answer = await watch_all(bench, file["id"])

    assert "파일이 삭제되었거나" in shown(answer)
    assert await bench.store.watches.list(TEAM) == []


async def test_five_thousand_rows_in_batches_of_the_nts_provider(
    fake_slack: FakeSlack, fake_nhn: NhnFake, fake_nts: NtsFake, tmp_path: Path
) -> None:
    numbers = valid_business_numbers(5000)
    fake_nts.businesses.update({numbers[10]: nts.CLOSED, numbers[4000]: nts.INACTIVE})
    content = csv_bytes([["사업자등록번호"], *[[n] for n in numbers]], encoding="cp949")
    async with open_bench(
        fake_slack, fake_nhn, sqlite_url(tmp_path), **fake_nts.overrides()
    ) as bench:
        file = bench.share(content)

        await bench.run(file)

        assert fake_nts.calls == 50  # 100 numbers a call, each number asked once
        assert sorted(n for batch in fake_nts.batches() for n in batch) == sorted(numbers)
        text = shown(bench.thread_message())
        assert "5,000행을 읽어 번호 5,000개를 조회했습니다" in text
        assert "🟢 계속사업자(일반과세자)*\\n4,998개" in text
        rows = bench.result_rows()
        assert [row[0] for row in rows[1:]] == [str(n) for n in range(2, 5002)]
        assert len(bench.alerts()) == 2
        [entry] = await bench.store.audit.recent(TEAM, limit=1)
        assert entry.outcome == "5,000 checked"

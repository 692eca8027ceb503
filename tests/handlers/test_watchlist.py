"""The watchlist end to end: the Watch button, and the running bot's scheduled re-checks."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks.ids import BULK_WATCH_ALL, WATCH_BUSINESS
from bot.domain import bizno
from bot.domain.number_csv import parse_number_csv
from bot.store.watches import Watch
from fakes.slack_requests import new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.support.helpers import eventually, shown
from tests.support.numbers import valid_business_numbers

NUMBER = "2208162517"
CHANNEL = "C_PURCHASING"
BUYER = "U0BUYER"


async def click_watch(bot: RunningBot, value: str, *, user: str = BUYER) -> dict[str, Any]:
    """Click Watch under a bot message in CHANNEL; the one answer to the click."""
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        WATCH_BUSINESS, value, user=user, channel=CHANNEL, message_ts=new_ts(), response_url=url
    )
    response = await bot.send.action(payload)
    assert response.status_code == 200
    await eventually(lambda: len(bot.slack.responses(url)) >= 1)
    [answer] = bot.slack.responses(url)
    return answer


async def stored(bot: RunningBot, number: str = NUMBER) -> Watch | None:
    return await bot.runtime.services.store.watches.get(bot.send.team_id, number)


async def test_the_watch_button_adds_the_business_and_tells_only_the_clicker(
    bot: RunningBot,
) -> None:
    answer = await click_watch(bot, NUMBER)
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    assert "220-81-62517" in shown(answer)
    assert f"<#{ALERTS_CHANNEL}>" in shown(answer)
    watch = await stored(bot)
    assert watch is not None
    assert (watch.created_by, watch.channel_id, watch.label) == (BUYER, ALERTS_CHANNEL, None)
    assert bot.slack.calls_to("chat.postMessage") == []  # an open business is not news
    # Looked up at once: the answer and the watch have its status from the start.
    assert bot.nhn.calls("business/status") == 1
    assert "🟢 계속사업자(일반과세자)" in shown(answer)
    assert watch.last_status_code == "01"


async def test_a_second_click_is_refused_politely(bot: RunningBot) -> None:
    await click_watch(bot, NUMBER)
    answer = await click_watch(bot, NUMBER, user="U0OTHER")
    assert "이미" in shown(answer)
    assert f"<@{BUYER}>" in shown(answer)
    watch = await stored(bot)
    assert watch is not None
    assert watch.created_by == BUYER


@pytest.mark.parametrize("bot_overrides", [{"notify_channel": None}])
async def test_without_notify_channel_the_clicks_channel_hears_of_changes(
    bot: RunningBot,
) -> None:
    await click_watch(bot, NUMBER)
    watch = await stored(bot)
    assert watch is not None
    assert watch.channel_id == CHANNEL


async def test_a_forged_value_gets_the_domain_explanation(bot: RunningBot) -> None:
    answer = await click_watch(bot, "<!channel> 2208162517")
    assert "숫자만" in shown(answer)
    assert "<!channel>" not in shown(answer)
    answer = await click_watch(bot, "123-45-67890")
    assert "검증번호" in shown(answer)
    assert await bot.runtime.services.store.watches.list(bot.send.team_id) == []


@pytest.mark.parametrize("bot_overrides", [{"watch_poll_interval": "0.05s"}])
async def test_the_running_bot_rechecks_a_due_watch_and_announces_the_closure(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[NUMBER] = "06"
    now = datetime.now(UTC)
    watches = bot.runtime.services.store.watches
    added = await watches.add(
        bot.send.team_id,
        NUMBER,
        label="한빛테크",
        channel_id=ALERTS_CHANNEL,
        created_by=BUYER,
        now=now - timedelta(days=1),
        first_check_at=now - timedelta(minutes=1),
    )
    assert added is not None
    [post] = await bot.wait_for("chat.postMessage")
    assert post.params["channel"] == ALERTS_CHANNEL
    assert "🔴" in json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "한빛테크" in json.dumps(post.params["blocks"], ensure_ascii=False)
    watch = await stored(bot)
    assert watch is not None
    assert watch.last_status_code == "06"
    assert watch.next_check_at > now + timedelta(hours=12)
    await bot.settle(0.3)  # many more passes: none re-checks it again
    assert bot.nhn.calls("business/status") == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def command(bot: RunningBot, text: str) -> str:
    url = bot.slack.response_url()
    response = await bot.send.command(text, user_id=BUYER, channel_id=CHANNEL, response_url=url)
    assert response.status_code == 200
    await eventually(lambda: bool(bot.slack.responses(url)))
    [answer] = bot.slack.responses(url)
    assert answer["response_type"] == "ephemeral"
    return shown(answer)


async def test_watch_unwatch_and_list_through_the_slash_command(bot: RunningBot) -> None:
    added = await command(bot, "watch 220 81 62517 (주)한빛 본사")
    assert "220-81-62517" in added
    assert "(주)한빛 본사" in added
    assert "이미" in await command(bot, "watch 2208162517")  # already watched: refused politely
    listed = await command(bot, "list")
    assert "220-81-62517" in listed
    assert "(주)한빛 본사" in listed
    assert "🟢 계속사업자(일반과세자)" in listed  # looked up as it was added
    assert "조회 전" not in listed
    assert "220-81-62517" in await command(bot, "unwatch 220-81-62517")
    assert "(주)한빛 본사" not in await command(bot, "list")
    assert await stored(bot) is None
    assert bot.nhn.calls("business/status") == 1  # the new watch's lookup; none for the rest


async def test_watch_with_a_mistyped_number_explains_and_adds_nothing(bot: RunningBot) -> None:
    answer = await command(bot, "watch 123-45-67890")
    assert "검증번호" in answer  # the check digit explanation
    assert "watch_anyway" in answer  # and the way forward
    assert "000-00-00000" not in answer
    assert "세무서 코드가 아닙니다" in await command(bot, "watch 000-00-00000")
    assert await bot.runtime.services.store.watches.list(bot.send.team_id) == []
    assert bot.nhn.calls("business/status") == 0


async def test_a_new_watch_has_a_status_at_once_in_the_list_and_the_home_tab(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[NUMBER] = "06"
    added = await command(bot, "watch 220-81-62517 한빛")
    assert "🔴 폐업자" in added
    assert "폐업한 사업자입니다" in added  # what to do, at once
    assert bot.nhn.calls("business/status") == 1
    # A closure found by the first check is news for the team channel, as on schedule.
    [alert] = await bot.wait_for("chat.postMessage")
    assert alert.params["channel"] == ALERTS_CHANNEL

    listed = await command(bot, "list")
    assert "🔴 폐업자" in listed
    assert "조회 전" not in listed
    watch = await stored(bot)
    assert watch is not None
    assert watch.last_checked_at is not None
    # The schedule continues from the check: about an interval on, at the watch's offset.
    interval = bot.runtime.services.settings.watch_interval
    assert watch.last_checked_at + interval / 2 < watch.next_check_at
    assert watch.next_check_at <= watch.last_checked_at + interval * 3 / 2

    event = {
        "type": "app_home_opened",
        "user": BUYER,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": new_ts(),
    }
    assert (await bot.send.event(event)).status_code == 200
    await bot.wait_for("views.publish")
    view = bot.slack.home_view(BUYER)
    assert view is not None
    home = json.dumps(view["blocks"], ensure_ascii=False)
    assert "220-81-62517" in home
    assert "🔴 폐업자" in home
    assert bot.nhn.calls("business/status") == 1  # the list and the tab cost nothing


async def test_a_number_just_looked_up_is_watched_from_the_cache(bot: RunningBot) -> None:
    url = bot.slack.response_url()
    await bot.send.command("220-81-62517", user_id=BUYER, channel_id=CHANNEL, response_url=url)
    await eventually(lambda: bool(bot.slack.responses(url)))
    assert bot.nhn.calls("business/status") == 1

    answer = await click_watch(bot, NUMBER)

    assert "🟢 계속사업자(일반과세자)" in shown(answer)
    assert bot.nhn.calls("business/status") == 1  # the fresh answer in the cache served


async def test_a_status_result_offers_a_watch_button_per_number(bot: RunningBot) -> None:
    url = bot.slack.response_url()
    await bot.send.command("220-81-62517, 124-81-00998", user_id=BUYER, response_url=url)
    await eventually(lambda: bool(bot.slack.responses(url)))
    [answer] = bot.slack.responses(url)
    values = [b["accessory"]["value"] for b in answer["blocks"] if "accessory" in b]
    assert values == ["2208162517", "1248100998"]


async def test_list_pages_and_searches_through_the_slash_command(bot: RunningBot) -> None:
    now = datetime.now(UTC)
    numbers = valid_business_numbers(70)
    store = bot.runtime.services.store
    await store.watches.add_many(
        bot.send.team_id, dict.fromkeys(numbers, now), channel_id=CHANNEL, created_by=BUYER, now=now
    )
    await command(bot, "watch 220-81-62517 한빛 <!here>")

    first = await command(bot, "list")
    assert "(71곳)" in first
    assert "1/3쪽" in first
    assert "`/bizstatus list 2`" in first
    last = await command(bot, "list 3")
    assert "3/3쪽" in last
    assert "220-81-62517" in last  # added last, nothing to notice: on the last page
    assert "`/bizstatus list 2`" in last
    assert await command(bot, "list 99") == last  # past the end: the last page
    found = await command(bot, "list 한빛")
    assert "(1곳)" in found
    assert "220-81-62517" in found
    assert "&lt;!here&gt;" in found
    assert "<!here>" not in found
    assert "(1곳)" in await command(bot, f"list {bizno.format(numbers[5])}")
    assert "맞는 관심 거래처가 없습니다" in await command(bot, "list 없는거래처")


class TestExportRoundTrip:
    @pytest.fixture
    def bot_overrides(self) -> dict[str, Any]:
        return {"status_rate_per_s": 200.0}  # Watch all looks each new watch up

    async def test_the_exported_csv_watches_the_same_list_again(self, bot: RunningBot) -> None:
        now = datetime.now(UTC)
        numbers = valid_business_numbers(300)
        store = bot.runtime.services.store
        team = bot.send.team_id
        await store.watches.add_many(
            team, dict.fromkeys(numbers, now), channel_id=CHANNEL, created_by=BUYER, now=now
        )
        await command(bot, 'watch 220-81-62517 =HYPERLINK("x") 4556 0767 6001 6584')
        watched = sorted(w.business_number for w in await store.watches.list(team))

        answer = await command(bot, "export")

        assert "301곳" in answer
        [upload] = bot.slack.uploads
        assert upload.channels == (CHANNEL,)
        assert upload.filename.endswith(".csv")
        assert b"'=HYPERLINK" in upload.content  # inert in Excel
        assert b"6001" not in upload.content  # the card in the label was masked as typed
        assert sorted(parse_number_csv(upload.content).digits) == watched
        [entry] = [e for e in await store.audit.recent(team, limit=5) if e.action == "export"]
        assert entry.user_id == BUYER

        for number in watched:
            assert await store.watches.remove(team, number)
        url = bot.slack.response_url()
        payload = bot.send.block_action(
            BULK_WATCH_ALL,
            upload.file_id,
            user=BUYER,
            channel=CHANNEL,
            message_ts=new_ts(),
            response_url=url,
            block_id="bulk_actions",
        )
        assert (await bot.send.action(payload)).status_code == 200
        await eventually(lambda: len(bot.slack.responses(url)) == 1, timeout_s=30)
        assert "301곳을 관심 거래처로 등록했습니다" in shown(bot.slack.responses(url)[0])
        assert sorted(w.business_number for w in await store.watches.list(team)) == watched


async def test_an_export_slack_refuses_is_explained(bot: RunningBot) -> None:
    await command(bot, "watch 220-81-62517")
    bot.slack.fail_next("files.getUploadURLExternal", error="not_in_channel", status=200)

    answer = await command(bot, "export")

    assert "CSV 파일을 올리지 못했습니다" in answer
    assert bot.slack.uploads == []

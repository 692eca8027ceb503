"""The fake's Web API, driven by slack_sdk's real AsyncWebClient."""

import asyncio
import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from fakes.slack import BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID, FakeSlack

NO_WAIT = FixedValueRetryIntervalCalculator(fixed_internal=0.0)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_auth_test_names_the_bot(slack_client: AsyncWebClient) -> None:
    response = await slack_client.auth_test()

    assert response["user_id"] == BOT_USER_ID
    assert response["bot_id"] == BOT_ID
    assert response["team_id"] == TEAM_ID


async def test_post_message_answers_and_records_like_slack(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    blocks = [section("*사업자등록증* 확인")]

    response = await slack_client.chat_postMessage(
        channel="C_BIZ", text="확인", blocks=blocks, thread_ts="1700000000.000100"
    )

    assert response["ok"] is True
    assert response["channel"] == "C_BIZ"
    message = response["message"]
    assert message["ts"] == response["ts"]
    assert (message["user"], message["bot_id"]) == (BOT_USER_ID, BOT_ID)
    assert message["thread_ts"] == "1700000000.000100"
    assert fake_slack.message("C_BIZ", response["ts"]) == message
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.error is None


async def test_form_encoded_calls_have_their_json_parameters_decoded(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    blocks = [section("form")]

    await slack_client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "t", "blocks": json.dumps(blocks)}
    )

    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


async def test_timestamps_are_unique_and_ordered(slack_client: AsyncWebClient) -> None:
    first = await slack_client.chat_postMessage(channel="C1", text="a")
    second = await slack_client.chat_postMessage(channel="C1", text="b")

    assert float(first["ts"]) < float(second["ts"])


async def test_update_and_delete_change_the_stored_message(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    posted = await slack_client.chat_postMessage(
        channel="C1", text="처리 중", blocks=[section("a")]
    )

    updated = await slack_client.chat_update(channel="C1", ts=posted["ts"], text="완료")
    deleted = await slack_client.chat_delete(channel="C1", ts=posted["ts"])

    assert updated["message"]["text"] == "완료"
    assert updated["message"]["blocks"] == [section("a")]  # left out, so kept
    assert (deleted["channel"], deleted["ts"]) == ("C1", posted["ts"])
    assert fake_slack.message("C1", posted["ts"]) is None


async def test_updating_a_missing_message_is_an_error_not_a_violation(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_update(channel="C1", ts="1.000001", text="x")

    assert raised.value.response["error"] == "message_not_found"
    assert fake_slack.violations == []


async def test_post_ephemeral_and_permalink(slack_client: AsyncWebClient) -> None:
    ephemeral = await slack_client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    permalink = await slack_client.chat_getPermalink(channel="C1", message_ts="1700000000.000200")

    assert ephemeral["message_ts"]
    assert permalink["permalink"] == "https://example.slack.com/archives/C1/p1700000000000200"


async def test_reactions_are_tracked_per_message(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    await slack_client.reactions_add(channel="C1", timestamp="1.000001", name="eyes")
    with pytest.raises(SlackApiError) as twice:
        await slack_client.reactions_add(channel="C1", timestamp="1.000001", name="eyes")
    await slack_client.reactions_add(channel="C1", timestamp="1.000001", name="white_check_mark")
    await slack_client.reactions_remove(channel="C1", timestamp="1.000001", name="eyes")
    with pytest.raises(SlackApiError) as absent:
        await slack_client.reactions_remove(channel="C1", timestamp="1.000001", name="eyes")

    assert twice.value.response["error"] == "already_reacted"
    assert absent.value.response["error"] == "no_reaction"
    assert fake_slack.reactions_on("C1", "1.000001") == ["white_check_mark"]


async def test_a_wrong_token_is_refused_and_is_a_violation(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-someone-else", base_url=fake_slack.api_url)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response["error"] == "invalid_auth"
    assert fake_slack.take_violations() == ["chat.postMessage: invalid_auth"]
    assert fake_slack.message("C1", "any") is None


async def test_a_missing_token_is_not_authed(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake_slack.api_url)

    with pytest.raises(SlackApiError) as raised:
        await client.auth_test()

    assert raised.value.response["error"] == "not_authed"
    assert fake_slack.take_violations() == ["auth.test: not_authed"]


async def test_an_unknown_method_is_refused(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.api_call("chat.postMesage", json={"channel": "C1", "text": "t"})

    assert raised.value.response["error"] == "unknown_method"
    assert fake_slack.take_violations() == ["chat.postMesage: unknown_method"]


async def test_a_missing_argument_is_a_violation(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.api_call("reactions.add", json={"channel": "C1", "name": "eyes"})

    assert raised.value.response["error"] == "invalid_arguments"
    [violation] = fake_slack.take_violations()
    assert "missing required field: timestamp" in violation


async def test_a_limit_violation_gets_the_slack_error(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_postMessage(channel="C1", text="t", blocks=[section("x" * 3001)])

    assert raised.value.response["error"] == "invalid_blocks"
    assert raised.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    [violation] = fake_slack.take_violations()
    assert violation.startswith("chat.postMessage: invalid_blocks")
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.error == "invalid_blocks"


async def test_too_long_messages_and_missing_text_are_refused(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as too_long:
        await slack_client.chat_postMessage(
            channel="C1", text="t", blocks=[section("x" * 2900)] * 5
        )
    with pytest.raises(SlackApiError) as empty:
        await slack_client.api_call("chat.update", json={"channel": "C1", "ts": "1.000001"})

    assert too_long.value.response["error"] == "msg_blocks_too_long"
    assert empty.value.response["error"] == "no_text"
    assert len(fake_slack.take_violations()) == 2


async def test_posting_where_the_bot_is_not_a_member(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.add_channel("C_SECRET", "private", bot_is_member=False)

    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_postMessage(channel="C_SECRET", text="t")

    assert raised.value.response["error"] == "not_in_channel"


async def test_posting_to_a_user_goes_to_their_im(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    posted = await slack_client.chat_postMessage(channel="U_ADMIN", text="알림")
    info = await slack_client.conversations_info(channel=posted["channel"])

    assert posted["channel"].startswith("D")
    assert info["channel"]["is_im"] is True
    assert info["channel"]["user"] == "U_ADMIN"


@pytest.mark.parametrize(
    ("channel_id", "kind", "expected"),
    [
        ("C_GENERAL", None, {"is_channel": True, "is_private": False, "is_mpim": False}),
        ("C_FIN", "private", {"is_channel": True, "is_private": True, "is_group": False}),
        ("G_OLD", "private", {"is_channel": False, "is_private": True, "is_group": True}),
        ("G_MPIM", "mpim", {"is_mpim": True, "is_private": True, "is_group": True}),
    ],
)
async def test_conversations_info_reports_the_channel_type(
    fake_slack: FakeSlack,
    slack_client: AsyncWebClient,
    channel_id: str,
    kind: Any,
    expected: dict[str, bool],
) -> None:
    if kind is not None:
        fake_slack.add_channel(channel_id, kind)

    channel = (await slack_client.conversations_info(channel=channel_id))["channel"]

    assert channel["id"] == channel_id
    assert {name: channel[name] for name in expected} == expected


async def test_conversations_info_of_an_im(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.add_channel("D_CHECKER", "im", user="U_CHECKER")

    channel = (await slack_client.conversations_info(channel="D_CHECKER"))["channel"]

    assert channel["is_im"] is True
    assert channel["user"] == "U_CHECKER"
    assert "is_private" not in channel  # Slack leaves it out for ims


async def test_conversations_info_of_an_unknown_conversation(
    slack_client: AsyncWebClient,
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.conversations_info(channel="D_NOBODY")

    assert raised.value.response["error"] == "channel_not_found"


async def test_users_info(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    fake_slack.add_user("U_KIM", name="kim", real_name="김재무", locale="ko-KR")

    user = (await slack_client.users_info(user="U_KIM", include_locale=True))["user"]
    bot = (await slack_client.users_info(user=BOT_USER_ID))["user"]

    assert (user["id"], user["real_name"], user["locale"]) == ("U_KIM", "김재무", "ko-KR")
    assert user["is_bot"] is False
    assert bot["is_bot"] is True
    assert "locale" not in bot  # only with include_locale


async def test_views_publish_keeps_the_home_tab(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    view = {"type": "home", "blocks": [section("x")] * 100}

    response = await slack_client.views_publish(user_id="U_KIM", view=view)
    with pytest.raises(SlackApiError) as too_many:
        await slack_client.views_publish(
            user_id="U_KIM", view={"type": "home", "blocks": [section("x")] * 101}
        )

    assert response["view"]["type"] == "home"
    assert fake_slack.home_view("U_KIM") == response["view"]
    assert too_many.value.response["error"] == "invalid_arguments"
    assert len(fake_slack.take_violations()) == 1


async def test_a_rate_limit_is_retried_after_retry_after(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.fail_next("chat.postMessage", retry_after=0)
    slack_client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))

    response = await slack_client.chat_postMessage(channel="C1", text="t")

    assert response["ok"] is True
    assert [call.error for call in fake_slack.calls_to("chat.postMessage")] == [
        "ratelimited",
        None,
    ]


async def test_a_rate_limit_answer_carries_status_and_retry_after(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.fail_next("files.info", retry_after=30, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await slack_client.files_info(file="F1")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "30"
        assert raised.value.response["error"] == "ratelimited"
    with pytest.raises(SlackApiError) as after:
        await slack_client.files_info(file="F1")

    assert after.value.response["error"] == "file_not_found"


async def test_a_server_error_is_retried(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    slack_client.retry_handlers.append(AsyncServerErrorRetryHandler(interval_calculator=NO_WAIT))

    response = await slack_client.chat_postMessage(channel="C1", text="t")

    assert response["ok"] is True
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_a_connection_reset_is_retried(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.reset_next("reactions.add")
    slack_client.retry_handlers.clear()
    slack_client.retry_handlers.append(
        AsyncConnectionErrorRetryHandler(interval_calculator=NO_WAIT)
    )

    response = await slack_client.reactions_add(channel="C1", timestamp="1.000001", name="eyes")

    assert response["ok"] is True
    assert [call.error for call in fake_slack.calls_to("reactions.add")] == [
        "connection_reset",
        None,
    ]


async def test_a_connection_reset_reaches_a_client_without_retries(
    fake_slack: FakeSlack,
) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    fake_slack.reset_next("auth.test")

    with pytest.raises(OSError, match="reset"):
        await client.auth_test()


async def test_hundreds_of_concurrent_calls_with_latency(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.set_latency(0.05)

    responses = await asyncio.gather(
        *(slack_client.chat_postMessage(channel="C1", text=str(n)) for n in range(200))
    )

    assert len({response["ts"] for response in responses}) == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == 200


# Threads and message metadata


ANSWER = {"event_type": "ocrbot_answer", "event_payload": {"job_id": 7, "file_id": "F1"}}


async def test_a_thread_lists_the_shared_file_then_the_replies_with_metadata_when_asked(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    file = fake_slack.add_file("a.png", b"\x89PNG", "image/png", "png", channel="C1")
    parent = fake_slack.file_object(file["id"])["shares"]["public"]["C1"][0]["ts"]
    first = await slack_client.chat_postMessage(
        channel="C1", text="answer", thread_ts=parent, metadata=ANSWER
    )
    await slack_client.chat_postMessage(channel="C1", text="elsewhere")

    plain = await slack_client.conversations_replies(channel="C1", ts=parent)
    full = await slack_client.conversations_replies(
        channel="C1", ts=parent, include_all_metadata=True
    )

    assert [m["ts"] for m in plain["messages"]] == [parent, first["ts"]]
    assert "metadata" not in plain["messages"][1]
    assert full["messages"][1]["metadata"] == ANSWER
    assert full["has_more"] is False


async def test_a_thread_comes_in_pages(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    parent = (await slack_client.chat_postMessage(channel="C1", text="parent"))["ts"]
    for number in range(3):
        await slack_client.chat_postMessage(channel="C1", text=str(number), thread_ts=parent)

    first = await slack_client.conversations_replies(channel="C1", ts=parent, limit=3)
    cursor = first["response_metadata"]["next_cursor"]
    second = await slack_client.conversations_replies(
        channel="C1", ts=parent, limit=3, cursor=cursor
    )

    assert first["has_more"] is True
    assert [m["text"] for m in first["messages"]] == ["parent", "0", "1"]
    assert [m["text"] for m in second["messages"]] == ["2"]
    assert second["response_metadata"]["next_cursor"] == ""


async def test_an_unknown_thread_or_cursor_is_an_error(slack_client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await slack_client.conversations_replies(channel="C1", ts="1700000000.000001")
    parent = (await slack_client.chat_postMessage(channel="C1", text="parent"))["ts"]
    with pytest.raises(SlackApiError) as cursor:
        await slack_client.conversations_replies(channel="C1", ts=parent, cursor="not-a-cursor")

    assert unknown.value.response["error"] == "thread_not_found"
    assert cursor.value.response["error"] == "invalid_cursor"


async def test_metadata_without_its_event_type_is_refused(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as refused:
        await slack_client.chat_postMessage(
            channel="C1", text="t", metadata={"event_payload": {"job_id": 1}}
        )

    assert refused.value.response["error"] == "invalid_metadata_schema"
    assert fake_slack.take_violations() == ["chat.postMessage: invalid_metadata_schema"]


async def test_a_held_answer_comes_after_the_message_is_posted(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.hold("chat.postMessage")
    posting = asyncio.create_task(slack_client.chat_postMessage(channel="C1", text="held"))
    for _ in range(500):
        if fake_slack.held("chat.postMessage"):
            break
        await asyncio.sleep(0.01)

    [call] = fake_slack.calls_to("chat.postMessage")
    assert fake_slack.held("chat.postMessage") == 1
    assert not posting.done()
    fake_slack.release("chat.postMessage")
    response = await posting
    assert fake_slack.message("C1", response["ts"]) is not None
    assert fake_slack.held("chat.postMessage") == 0
    assert call.error is None


async def test_an_outage_of_socket_connections_begins_after_the_successes_allowed(
    fake_slack: FakeSlack,
) -> None:
    client = AsyncWebClient(base_url=fake_slack.api_url)
    fake_slack.fail_connections_after(1)

    first = await client.apps_connections_open(app_token=fake_slack.app_token)
    with pytest.raises(SlackApiError) as refused:
        await client.apps_connections_open(app_token=fake_slack.app_token)

    assert first["url"].startswith("ws://")
    assert refused.value.response.status_code == 500
    assert refused.value.response["error"] == "internal_error"
    assert [call.error for call in fake_slack.calls_to("apps.connections.open")] == [
        None,
        "internal_error",
    ]

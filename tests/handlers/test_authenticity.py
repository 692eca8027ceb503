"""Certificate authenticity (진위확인) through the real bot against the fake Slack, NHN and NTS.

The fake NHN reads the same certificate from every upload: 220-81-62517, opened
"2012 년 03 월 05 일", representative 김민준, 주식회사 한빛테크놀로지. The tests seed the
fake NTS's register with what it holds.
"""

import json
import socket
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.authenticity import NAME_INPUT, NUMBER_INPUT, OPENED_INPUT, REPRESENTATIVE_INPUT
from fakes.nhn import STATUS
from fakes.nts import CLOSED, NtsFake, Registered, Reply
from fakes.slack import ApiCall
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually, shown

CHANNEL = "C_PURCHASING"
NUMBER = "2208162517"
NAME = "주식회사 한빛테크놀로지"
GENUINE = Registered("20120305", ("김민준",), NAME)


async def upload(bot: RunningBot, user: str = "U_UPLOADER") -> tuple[dict[str, Any], ApiCall]:
    """Share a certificate photo in CHANNEL; the upload event and the bot's thread reply."""
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=user)
    assert (await bot.send.event(event)).status_code == 200
    await eventually(lambda: len(thread_posts(bot, event["ts"])) >= 1)
    return event, thread_posts(bot, event["ts"])[0]


def thread_posts(bot: RunningBot, thread_ts: str) -> list[ApiCall]:
    return [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == CHANNEL and call.params.get("thread_ts") == thread_ts
    ]


def alerts(bot: RunningBot) -> list[str]:
    return [
        shown(call)
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == ALERTS_CHANNEL
    ]


def buttons(call: ApiCall) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element | {"block_id": block["block_id"]}
        for block in call.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


class TestWithStatusFromNts:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        return fake_nts.overrides()

    async def test_a_genuine_certificate_is_verified_and_its_status_comes_from_the_same_call(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        fake_nts.register[NUMBER] = GENUINE

        _, reply = await upload(bot)

        text = shown(reply)
        assert "✅ 국세청 등록 정보와 일치합니다." in text
        # Which details were compared, as sent, each with OCR's confidence.
        assert "등록번호 220-81-62517 (인식 100%)" in text
        assert "개업연월일 2012-03-05 (인식 95%)" in text
        assert "대표자 김민준 (인식 98%)" in text
        assert f"상호 {NAME} (인식 96%)" in text
        assert "🟢" in text
        assert [
            [(b["b_no"], b["start_dt"], b["p_nm"], b["b_nm"]) for b in call]
            for call in fake_nts.validations()
        ] == [[(NUMBER, "20120305", "김민준", NAME)]]
        assert fake_nts.batches() == []  # one call, not two
        assert bot.nhn.calls(STATUS) == 0
        assert ids.CORRECT_DETAILS not in buttons(reply)
        await bot.settle(0.3)
        assert alerts(bot) == []

    async def test_a_mismatch_is_announced_then_corrected_through_the_dialog(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        # The register says the 6th: OCR's "05" is the misread.
        fake_nts.register[NUMBER] = Registered("20120306", ("김민준",), NAME)

        event, reply = await upload(bot)

        text = shown(reply)
        assert "❌ 국세청 등록 정보와 일치하지 않습니다." in text
        assert "위조" not in text
        assert "forged" not in text
        assert "등록번호, 개업연월일, 대표자" in text  # OCR was sure of each: check them all
        assert "🟢" in text  # the status is still shown, from /status after the mismatch
        assert fake_nts.batches() == [[NUMBER]]
        # With the name, then without it (to tell whether only the name differs).
        assert [[b["b_nm"] for b in call] for call in fake_nts.validations()] == [[NAME], [""]]
        await eventually(lambda: len(alerts(bot)) == 1)
        assert "220-81-62517" in alerts(bot)[0]
        assert "국세청 등록 정보와 다른" in alerts(bot)[0]

        # The button opens the dialog, pre-filled with what was read.
        correct = buttons(reply)[ids.CORRECT_DETAILS]
        click = bot.send.block_action(
            ids.CORRECT_DETAILS,
            correct["value"],
            user="U0BUYER",
            channel=CHANNEL,
            message_ts=new_ts(),
            thread_ts=event["ts"],
            block_id=correct["block_id"],
        )
        assert (await bot.send.action(click)).status_code == 200
        await eventually(lambda: len(bot.slack.modals()) == 1)
        [view] = bot.slack.modals()
        [call] = bot.slack.calls_to("views.open")
        assert call.params["trigger_id"] == click["trigger_id"]
        initial = {
            block["block_id"]: block["element"].get("initial_value")
            for block in view["blocks"]
            if block["type"] == "input"
        }
        assert initial == {
            NUMBER_INPUT: "220-81-62517",
            OPENED_INPUT: "2012-03-05",
            REPRESENTATIVE_INPUT: "김민준",
            NAME_INPUT: NAME,
        }

        # A date that does not exist and a short number are refused inline.
        wrong = {NUMBER_INPUT: "220-81-6251", OPENED_INPUT: "2012-02-30"}
        response = await bot.send.action(
            bot.send.view_submission(view, initial | wrong, user="U0BUYER")
        )
        assert response.status_code == 200
        answer = response.json()
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) == {NUMBER_INPUT, OPENED_INPUT}
        assert len(fake_nts.validations()) == 2  # nothing was checked

        # Someone else cannot submit the dialog the buyer opened.
        fixed = initial | {OPENED_INPUT: "2012-03-06"}
        response = await bot.send.action(bot.send.view_submission(view, fixed, user="U0OTHER"))
        assert response.status_code == 200
        await bot.settle(0.3)
        assert len(fake_nts.validations()) == 2
        assert len(thread_posts(bot, event["ts"])) == 1

        # The corrected date matches, and the answer goes to the upload's thread.
        response = await bot.send.action(bot.send.view_submission(view, fixed, user="U0BUYER"))
        assert response.status_code == 200
        assert not response.content  # the dialog closes
        await eventually(lambda: len(thread_posts(bot, event["ts"])) == 2)
        answer_text = shown(thread_posts(bot, event["ts"])[1])
        assert "✅ 국세청 등록 정보와 일치합니다." in answer_text
        assert "<@U0BUYER>" in answer_text
        assert fake_nts.validations()[-1][0]["start_dt"] == "20120306"
        await bot.settle(0.3)
        assert len(alerts(bot)) == 1  # a match is not announced

    async def test_the_dialog_checks_what_is_submitted_not_what_the_button_carried(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        fake_nts.register[NUMBER] = Registered("20120306", ("김민준",), NAME)
        event, _ = await upload(bot)
        forged = json.dumps({"n": "<!channel>", "d": 5, "r": "x" * 5000})
        click = bot.send.block_action(
            ids.CORRECT_DETAILS,
            forged,
            user="U0BUYER",
            channel=CHANNEL,
            message_ts=new_ts(),
            thread_ts=event["ts"],
        )

        await bot.send.action(click)

        await eventually(lambda: len(bot.slack.modals()) == 1)
        [view] = bot.slack.modals()
        initial = {
            block["block_id"]: block["element"].get("initial_value")
            for block in view["blocks"]
            if block["type"] == "input"
        }
        assert initial[OPENED_INPUT] is None  # a number where text belongs is dropped
        assert len(initial[REPRESENTATIVE_INPUT] or "") <= 200
        typed = {
            NUMBER_INPUT: "124-81-00998",
            OPENED_INPUT: "2001-01-01",
            REPRESENTATIVE_INPUT: "홍길동",
            NAME_INPUT: "",
        }
        await bot.send.action(bot.send.view_submission(view, typed, user="U0BUYER"))
        await eventually(lambda: len(thread_posts(bot, event["ts"])) == 2)
        last = fake_nts.validations()[-1]
        assert [(b["b_no"], b["start_dt"], b["p_nm"], b["b_nm"]) for b in last] == [
            ("1248100998", "20010101", "홍길동", "")
        ]
        assert "❌" in shown(thread_posts(bot, event["ts"])[1])

    async def test_a_mismatch_is_announced_once_per_cooldown(
        self, bot: RunningBot, fake_nts: NtsFake
    ) -> None:
        fake_nts.register[NUMBER] = Registered("19990101", ("김민준",), NAME)
        fake_nts.businesses[NUMBER] = CLOSED

        await upload(bot)
        await upload(bot)

        await eventually(lambda: len(alerts(bot)) == 2)
        await bot.settle(0.3)
        # One for the closed business, one for the mismatch: the keys differ; then none.
        sent = alerts(bot)
        assert len(sent) == 2
        assert sum("폐업" in alert for alert in sent) == 1
        assert sum("국세청 등록 정보와 다른" in alert for alert in sent) == 1


async def test_without_an_nts_key_the_reply_says_once_that_authenticity_is_off(
    bot: RunningBot,
) -> None:
    _, reply = await upload(bot)

    text = json.dumps(reply.params["blocks"], ensure_ascii=False)
    assert text.count("NTS_SERVICE_KEY") == 1
    assert "진위확인(국세청 등록 정보 대조)은 하지 않았습니다" in text
    assert "🟢" in text
    assert NAME in text
    assert bot.nhn.calls(STATUS) == 1
    assert ids.CORRECT_DETAILS not in buttons(reply)


# Each failure of NTS as the contract documents it (FACTS.md: HTTP 4xx/5xx with a
# status_code, the gateway's own codes), and what the reply must tell the person.
NTS_FAILURES = [
    pytest.param([Reply.gateway(-10)] * 3, "호출 한도를 넘었습니다", id="quota"),
    pytest.param([Reply.http(429)] * 3, "호출 한도를 넘었습니다", id="http-429"),
    pytest.param([Reply.gateway(-4)], "서비스 키를 받아들이지 않았습니다", id="unknown-key"),
    pytest.param([Reply.http(401)], "서비스 키를 받아들이지 않았습니다", id="http-401"),
    pytest.param([Reply.http(403)], "서비스 키를 받아들이지 않았습니다", id="http-403"),
    pytest.param([Reply.api_error("INTERNAL_ERROR")] * 3, "응답하지 않습니다", id="internal"),
    pytest.param([Reply.http(503)] * 3, "응답하지 않습니다", id="http-503"),
    pytest.param([Reply.api_error("BAD_JSON_REQUEST")], "요청을 거절했습니다", id="bad-json"),
    pytest.param([Reply.api_error("TOO_LARGE_REQUEST")], "요청을 거절했습니다", id="too-large"),
]


class TestNtsErrors:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        # Statuses from NHN, so that NTS failing leaves them to show.
        return fake_nts.overrides() | {"status_provider": "nhn"}

    @pytest.mark.parametrize(("replies", "said"), NTS_FAILURES)
    async def test_each_nts_error_is_explained_and_the_rest_still_shown(
        self, bot: RunningBot, fake_nts: NtsFake, replies: list[Reply], said: str
    ) -> None:
        fake_nts.register[NUMBER] = GENUINE
        fake_nts.script(*replies)

        _, reply = await upload(bot)

        text = shown(reply)
        assert "⚠️ 확인하지 못했습니다: 국세청" in text
        assert said in text
        assert NAME in text
        assert "🟢" in text
        assert "220-81-62517" in text
        assert fake_nts.service_key not in text
        assert bot.nhn.calls(STATUS) == 1
        assert fake_nts.calls == len(replies)  # retried only what passes by itself
        assert ids.CORRECT_DETAILS in buttons(reply)  # check again once NTS is back


class TestNtsOutOfReach:
    @pytest.fixture
    def bot_overrides(self, fake_nts: NtsFake) -> dict[str, Any]:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return fake_nts.overrides() | {
            "status_provider": "nhn",
            "nts_base_url": f"http://127.0.0.1:{port}/api/nts-businessman/v1",
        }

    async def test_an_nts_that_cannot_be_reached_is_explained_as_an_outage(
        self, bot: RunningBot
    ) -> None:
        _, reply = await upload(bot)

        text = shown(reply)
        assert "⚠️ 확인하지 못했습니다: 국세청 서비스가 응답하지 않습니다" in text
        assert NAME in text
        assert "🟢" in text

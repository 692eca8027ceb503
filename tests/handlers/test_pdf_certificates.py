"""A PDF holding several certificates (a vendor pack) gets one result per certificate."""

from typing import Any

import pytest

from bot.blocks.limits import BLOCKS_JSON_CHARS, json_chars
from fakes.nhn import STATUS, Reply
from fakes.nts import CLOSED, NtsFake, Registered
from fakes.slack import ApiCall
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.ocr.images import numbered_pdf
from tests.support.helpers import eventually, shown

CHANNEL = "C_VENDORS"
# Three real-looking numbers whose check digit holds, and what their certificates say.
PACK = [
    ("220-81-62517", "주식회사 한빛테크놀로지", "김민준", "2012 년 03 월 05 일"),
    ("124-81-00998", "주식회사 다온상사", "이서연", "2009 년 11 월 20 일"),
    ("120-88-00767", "누리물산 주식회사", "박지호, 최유나", "2018 년 07 월 01 일"),
]
BLANK_PAGE = {"fileType": "png", "unitType": "pixel", "keyValues": [], "boxes": []}


def page(number: str, name: str, representative: str, opened: str, *, long: bool = False) -> Reply:
    """NHN's answer for one page holding a certificate."""
    # Long ones fill every field to the 500 characters a reply shows of a value.
    address = "서울특별시 강남구 테헤란로 152, 12층 (역삼동) " * (20 if long else 1)
    pairs = [
        ("구분", " 법인사업자"),
        ("등록번호", number),
        ("상호", name),
        ("대표자", representative),
        ("개업연월일", opened),
        ("사업장 소재지", address),
        ("업태", "정보통신업 도매 및 소매업" * (40 if long else 1)),
        ("종목", "응용 소프트웨어 개발 및 공급업" * (40 if long else 1)),
    ]
    return Reply.ok(
        {
            "fileType": "png",
            "unitType": "pixel",
            "keyValues": [{"key": k, "value": v, "conf": 0.95} for k, v in pairs],
            "boxes": [],
        }
    )


def digits(number: str) -> str:
    return number.replace("-", "")


async def share_pdf(bot: RunningBot, pages: int) -> ApiCall:
    file = bot.slack.add_file(
        "vendor-pack.pdf", numbered_pdf(pages), "application/pdf", "pdf", channel=CHANNEL
    )
    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))
    await eventually(
        lambda: any(c.params["channel"] == CHANNEL for c in bot.slack.calls_to("chat.postMessage"))
    )
    return next(c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL)


@pytest.fixture
def bot_overrides(fake_nts: NtsFake) -> dict[str, Any]:
    return fake_nts.overrides() | {"max_pdf_pages": 5}


async def test_three_certificates_get_three_numbers_statuses_and_verdicts_in_page_order(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    bot.nhn.script(
        "business",
        page(*PACK[0][:2], PACK[0][2], PACK[0][3]),
        Reply.ok(BLANK_PAGE),  # a cover letter between certificates
        page(*PACK[1]),
        page(*PACK[2]),
    )
    fake_nts.register[digits(PACK[0][0])] = Registered("20120305", ("김민준",), PACK[0][1])
    fake_nts.register[digits(PACK[1][0])] = Registered("20091120", ("이서연",), PACK[1][1])
    # Joint representatives: the register knows the second one.
    fake_nts.register[digits(PACK[2][0])] = Registered("20180701", ("최유나",), PACK[2][1])
    fake_nts.businesses[digits(PACK[1][0])] = CLOSED

    reply = await share_pdf(bot, 4)

    text = shown(reply)
    assert bot.nhn.calls("business") == 4
    # Every certificate's number, status and verdict, in page order.
    positions = [text.index(number) for number, *_ in PACK]
    assert positions == sorted(positions)
    assert text.count("🟢") == 2
    assert "🔴 폐업자" in text
    assert text.count("✅ 국세청 등록 정보와 일치합니다.") == 3
    assert "📄 3쪽" in text
    assert "📄 4쪽" in text
    assert "2쪽: 읽은 항목 없음" in text  # the page without a number, listed as before
    for _, name, *_ in PACK:
        assert name in text
    # Batched: the first names of all three in one call, then the second name of the third.
    calls = fake_nts.validations()
    assert [[b["b_no"] for b in call] for call in calls] == [
        [digits(number) for number, *_ in PACK],
        [digits(PACK[2][0])],
    ]
    assert calls[1][0]["p_nm"] == "최유나"
    assert fake_nts.batches() == []  # the statuses came with the matches
    assert bot.nhn.calls(STATUS) == 0
    # The fallback names each certificate too.
    assert all(number in reply.params["text"] for number, *_ in PACK)
    await eventually(
        lambda: any(
            c.params["channel"] == ALERTS_CHANNEL for c in bot.slack.calls_to("chat.postMessage")
        )
    )
    [alert] = [
        c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == ALERTS_CHANNEL
    ]
    assert PACK[1][0] in shown(alert)


async def test_a_pdf_of_max_pdf_pages_long_certificates_fits_with_every_number_and_status(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    numbers = ["220-81-62517", "124-81-00998", "120-88-00767", "101-81-00340", "220-81-62517"]
    bot.nhn.script(
        "business",
        *[
            page(n, f"주식회사 {i}번" * 10, "김민준", "2012 년 03 월 05 일", long=True)
            for i, n in enumerate(numbers, 1)
        ],
    )
    # Nothing registered: every page is a mismatch, the longest verdict there is.

    reply = await share_pdf(bot, 5)

    blocks = reply.params["blocks"]
    assert len(blocks) <= 50
    assert json_chars(blocks) <= BLOCKS_JSON_CHARS
    text = shown(reply)
    for index, number in enumerate(numbers, 1):
        assert number in text
        if index > 1:
            assert f"📄 {index}쪽" in text
    assert text.count("❌ 국세청 등록 정보와 일치하지 않습니다.") == 5
    assert text.count("🟢") == 5
    assert "메시지 길이 제한으로 접었습니다" in text  # later certificates' fields folded
    assert "표시하지 못했습니다" not in text  # and nothing dropped
    assert bot.slack.violations == []

import re
import unicodedata

import pytest

from bot.blocks.card import card_result
from bot.domain.analysis import CardAnalysis
from bot.domain.card import CardNumber, Expiry
from bot.i18n import Language
from tests.blocks.inert import HOSTILE, assert_inert, rendered

PAN = "5555555555554444"


DECEMBER_2027 = Expiry(month=12, year=2027)


def analysis(
    number: str | None = PAN,
    *,
    expiry: Expiry | None = DECEMBER_2027,
    expired: bool | None = False,
    low_resolution: bool = False,
) -> CardAnalysis:
    return CardAnalysis(
        number=CardNumber(number) if number is not None else None,
        expiry=expiry,
        expired=expired,
        low_resolution=low_resolution,
    )


def fields_of(message_blocks: list[dict]) -> list[str]:
    return [
        field["text"]
        for block in message_blocks
        if block["type"] == "section"
        for field in block.get("fields", [])
    ]


def contexts_of(message_blocks: list[dict]) -> list[str]:
    return [
        element["text"]
        for block in message_blocks
        if block["type"] == "context"
        for element in block["elements"]
    ]


def assert_no_more_than_four_digits_of(pan: str, output: str) -> None:
    """No five digits of the number in a row, even split by one space, dash, dot or underscore."""
    for run in re.findall(r"\d(?:[\s\-._]?\d)*", unicodedata.normalize("NFKC", output)):
        digits = re.sub(r"\D", "", run)
        for start in range(len(digits) - 4):
            assert digits[start : start + 5] not in pan, run


def test_a_card_in_korean() -> None:
    message = card_result(analysis(), Language.KO, file_name="card.jpg", private_copy=False)
    assert message.blocks[0]["text"]["text"] == "신용카드 인식 결과"
    assert fields_of(message.blocks) == [
        "*카드 번호*\n•••• •••• •••• 4444",
        "*카드 브랜드*\n마스터카드",
        "*유효기간*\n12/27  유효",
        "*번호 검증*\n✅ 통과 (Luhn)",
    ]
    assert contexts_of(message.blocks) == ["📄 card.jpg"]
    assert message.text == "신용카드 인식 결과: 마스터카드 •••• •••• •••• 4444"
    assert_inert(message)


def test_a_card_in_english() -> None:
    message = card_result(analysis(), Language.EN, file_name="card.jpg", private_copy=False)
    assert message.blocks[0]["text"]["text"] == "Credit card"
    assert fields_of(message.blocks) == [
        "*Card number*\n•••• •••• •••• 4444",
        "*Brand*\nMastercard",
        "*Valid thru*\n12/27  Valid",
        "*Number check*\n✅ Passed (Luhn)",
    ]
    assert message.text == "Credit card: Mastercard •••• •••• •••• 4444"
    assert_inert(message)


@pytest.mark.parametrize(
    ("lang", "expired", "shown"),
    [
        (Language.KO, True, "*유효기간*\n12/27  ⚠️ 만료됨"),
        (Language.EN, True, "*Valid thru*\n12/27  ⚠️ Expired"),
        (Language.KO, None, "*유효기간*\n12/27"),
    ],
)
def test_expiry_is_flagged_when_expired(lang: Language, expired: bool | None, shown: str) -> None:
    message = card_result(analysis(expired=expired), lang, file_name="c.png", private_copy=False)
    assert shown in fields_of(message.blocks)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [(Language.KO, "*유효기간*\n인식하지 못함"), (Language.EN, "*Valid thru*\nNot recognised")],
)
def test_a_missing_expiry_is_said(lang: Language, shown: str) -> None:
    message = card_result(
        analysis(expiry=None, expired=None), lang, file_name="c.png", private_copy=False
    )
    assert shown in fields_of(message.blocks)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        (
            Language.KO,
            "*번호 검증*\n❌ 실패 (Luhn): 번호를 잘못 읽었을 수 있습니다. 다시 찍어 올려 주세요.",
        ),
        (
            Language.EN,
            "*Number check*\n❌ Failed (Luhn): the number may be misread. Retake the photo.",
        ),
    ],
)
def test_a_failed_luhn_check_says_to_retake(lang: Language, shown: str) -> None:
    message = card_result(analysis("5555555555554445"), lang, file_name="c.png", private_copy=False)
    assert shown in fields_of(message.blocks)


@pytest.mark.parametrize(
    ("lang", "shown", "fallback"),
    [
        (
            Language.KO,
            "*카드 번호*\n카드 번호를 인식하지 못했습니다",
            "신용카드 인식 결과: 카드 번호를 인식하지 못했습니다",
        ),
        (
            Language.EN,
            "*Card number*\nCard number not recognised",
            "Credit card: Card number not recognised",
        ),
    ],
)
def test_no_number_recognised(lang: Language, shown: str, fallback: str) -> None:
    message = card_result(analysis(None), lang, file_name="c.png", private_copy=False)
    assert fields_of(message.blocks)[0] == shown
    assert len(fields_of(message.blocks)) == 2  # no brand or Luhn check without a number
    assert message.text == fallback
    assert_inert(message)


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        (Language.KO, "⚠️ 원본 사진에는 카드 번호 전체가 보입니다. 채널에서 사진을 삭제해 주세요."),
        (
            Language.EN,
            "⚠️ The original photo shows the full card number: please delete it from the channel.",
        ),
    ],
)
def test_a_private_copy_asks_to_delete_the_original(lang: Language, warning: str) -> None:
    private = card_result(analysis(), lang, file_name="c.png", private_copy=True)
    assert warning in private.blocks[1]["text"]["text"]
    public = card_result(analysis(), lang, file_name="c.png", private_copy=False)
    assert warning not in rendered(public)


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        (Language.KO, "⚠️ 이미지 해상도가 낮아 잘못 읽은 숫자가 있을 수 있습니다."),
        (Language.EN, "⚠️ The image resolution is low, so some digits may be misread."),
    ],
)
def test_low_resolution_is_warned_about(lang: Language, warning: str) -> None:
    message = card_result(
        analysis(low_resolution=True), lang, file_name="c.png", private_copy=False
    )
    assert any(text.startswith(warning) for text in contexts_of(message.blocks))


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("private_copy", [True, False])
@pytest.mark.parametrize(
    ("pan", "file_name"),
    [
        (PAN, "5555555555554444.jpg"),
        (PAN, "카드 5555 5555 5555 4444 앞면.png"),
        (PAN, "card-5555-5555-5555-4444.jpg"),
        ("371449635398431", "amex 3714 496353 98431.png"),
        ("4111111111111111", "visa.4111.1111.1111.1111.jpg"),
        ("4012888888881881", "4012_8888_8888_1881.png"),
        (PAN, "５５５５５５５５５５５５４４４４.png"),
    ],
)
def test_never_more_than_the_last_four_digits(
    lang: Language, private_copy: bool, pan: str, file_name: str
) -> None:
    message = card_result(analysis(pan), lang, file_name=file_name, private_copy=private_copy)
    assert_no_more_than_four_digits_of(pan, rendered(message))
    assert pan[-4:] in message.text
    assert_inert(message)


def test_the_digit_run_check_would_catch_a_leak() -> None:
    with pytest.raises(AssertionError):
        assert_no_more_than_four_digits_of(PAN, "number 5555 5555 5555 4444")
    with pytest.raises(AssertionError):
        assert_no_more_than_four_digits_of(PAN, "…5554444")
    with pytest.raises(AssertionError):
        assert_no_more_than_four_digits_of(PAN, "５５５_５４")


def test_a_hostile_file_name_is_inert() -> None:
    message = card_result(analysis(), Language.KO, file_name=HOSTILE, private_copy=True)
    assert_inert(message)

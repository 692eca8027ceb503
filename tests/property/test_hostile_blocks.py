"""OCR text crafted to harm, through the real reply builder: inert and within Block Kit limits."""

import json
import re
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import Message
from bot.blocks.business import business_result
from bot.domain import certificate
from bot.domain.analysis import BusinessAnalysis, recognise_number
from bot.i18n import Language
from fakes.blockkit import limit_violations
from tests.blocks.inert import BOT_TOKENS, texts
from tests.property.inert_text import assert_inert, assert_visible
from tests.property.strategies import HOSTILE_TEXT
from tests.support.leaks import card_number_runs


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    conf: float | None = 0.99


CHANNEL = "<!channel>"
DISGUISED_LINK = "<https://evil.example|국민은행>"
TEN_THOUSAND = "서울특별시 강남구 테헤란로 " + "가" * 9_986
RIGHT_TO_LEFT = "\u202e행은민국\u202c 주식회사"  # shows reversed when the override is kept
ZERO_WIDTH = "예\u200b시\u200c상\u200d사\u2060\ufeff\u180e\U000e0041\U000e0042"
CRAFTED = [
    KeyValue("등록번호", "220-81-62517"),
    KeyValue("상호", CHANNEL),
    KeyValue("대표자", DISGUISED_LINK),
    KeyValue("사업장 소재지", TEN_THOUSAND),
    KeyValue("업태", RIGHT_TO_LEFT),
    KeyValue("종목", ZERO_WIDTH, 0.31),
    KeyValue("<@U024BE7LH> <#C024BE91L>", "<!here> <!everyone> *굵게* `코드` > 인용"),
]
CARD_FILE_NAME = "<!here> 카드 4111  1111  1111  1111\u202e.jpg"


def build(key_values: list[KeyValue], lang: Language, file_name: str) -> Message:
    cert = certificate.normalize(key_values)
    analysis = BusinessAnalysis(
        certificate=cert,
        number=recognise_number(cert.registration_number),
        status=None,
        status_error=None,
        low_resolution=False,
    )
    return business_result(analysis, lang, file_name=file_name)


def assert_renders_inert(message: Message) -> None:
    assert limit_violations(message.blocks) == []
    assert 0 < len(message.text) <= 3000
    for kind, text in texts(message):
        if kind == "plain_text":  # Slack shows plain_text as it is, but nothing may hide in it
            assert_visible(text)
        else:
            assert_inert(BOT_TOKENS.sub("", text))
    # With no status there is nothing for the bot to mention, date or link: any such
    # token would have been made from external text.
    assert BOT_TOKENS.findall(json.dumps(message.blocks, ensure_ascii=False)) == []


def as_read(message: Message) -> str:
    """Every text of the message as a person reads it, entities decoded."""
    decoded = (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        for _, text in texts(message)
    )
    return "\n".join(decoded)


@pytest.mark.parametrize("lang", list(Language))
def test_crafted_values_render_as_inert_text_within_the_limits(lang: Language) -> None:
    message = build(CRAFTED, lang, CARD_FILE_NAME)
    assert_renders_inert(message)


@pytest.mark.parametrize("lang", list(Language))
def test_crafted_values_still_show_as_what_they_say(lang: Language) -> None:
    message = build(CRAFTED, lang, CARD_FILE_NAME)
    seen = as_read(message)
    assert CHANNEL in seen
    assert DISGUISED_LINK in seen
    assert "행은민국 주식회사" in seen  # in reading order, the override gone
    assert "예시상사" in seen
    assert "＊굵게＊" in seen
    address = next(text for _, text in texts(message) if "테헤란로 가가가" in text)
    assert address.endswith("가…")  # the 10,000 characters are cut, not dropped
    assert len(address) < 600


def test_a_card_number_in_the_file_name_shows_only_its_last_four_digits() -> None:
    message = build(CRAFTED, Language.KO, CARD_FILE_NAME)
    rendered = json.dumps(message.as_kwargs(), ensure_ascii=False)
    assert card_number_runs(rendered, "4111111111111111") == []
    assert re.search(r"•••• •••• •••• 1111", rendered)


PAIRS = st.lists(
    st.builds(
        KeyValue,
        st.one_of(st.sampled_from(["등록번호", "상호", "대표자", "주소", "종목"]), HOSTILE_TEXT),
        st.one_of(HOSTILE_TEXT, st.just(TEN_THOUSAND)),
        st.one_of(st.none(), st.floats(allow_nan=True)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(PAIRS, HOSTILE_TEXT, st.sampled_from(list(Language)))
def test_any_certificate_renders_inert_within_the_limits(
    key_values: list[KeyValue], file_name: str, lang: Language
) -> None:
    assert_renders_inert(build(key_values, lang, file_name))

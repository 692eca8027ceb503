"""The kind words: what an upload's message or file name says it is, for any text."""

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.upload_kind import guess_kind, kind_from_words

PROPERTY = settings(max_examples=200, deadline=None)
CARD_WORDS = ["카드", "법인카드", "신용카드", "card", "Card", "CARDS", "card_front", "cards2"]
BUSINESS_WORDS = ["사업자", "사업자등록증", "등록증", "business", "Business", "certificate"]
# Text that cannot name a kind: none of the Hangul in the kind words, and no letter that
# [a-z] matches ignoring case (which includes ſ, ı, İ and the Kelvin sign).
_LETTER = re.compile(r"[a-z]", re.IGNORECASE)
NEUTRAL = st.text(
    alphabet=st.characters(exclude_characters="카드사업자등록증", exclude_categories=["Cs"]).filter(
        lambda char: not _LETTER.fullmatch(char)
    ),
    max_size=20,
)
CHANNELS = st.sampled_from(["C1", "C2", "D3"])


@PROPERTY
@given(st.text(max_size=40))
def test_any_text_names_a_kind_or_none(text: str) -> None:
    assert kind_from_words(text) in ("card", "business", None)


@PROPERTY
@given(NEUTRAL, NEUTRAL, st.sampled_from(CARD_WORDS), st.sampled_from(BUSINESS_WORDS))
def test_a_kind_word_anywhere_names_its_kind_and_both_name_none(
    before: str, after: str, card: str, business: str
) -> None:
    assert kind_from_words(before + after) is None
    assert kind_from_words(f"{before} {card} {after}") == "card"
    assert kind_from_words(f"{before}{business}{after}") == "business"
    assert kind_from_words(f"{before} {card}, {business} {after}") is None


@PROPERTY
@given(
    st.sampled_from(["card", "business", "certificate"]),
    st.from_regex(r"[a-zA-Z]{1,6}", fullmatch=True),
    st.booleans(),
)
def test_english_words_count_only_whole(word: str, letters: str, before: bool) -> None:
    longer = letters + word if before else word + letters
    assume(longer.lower().rstrip("s") != word)  # "cards" and "certificates" are the word
    assert kind_from_words(f"see {longer}.jpg") is None


@PROPERTY
@given(
    text=st.text(max_size=20),
    file_name=st.text(max_size=20),
    channel=CHANNELS,
    business_channels=st.lists(CHANNELS, max_size=2),
    card_channels=st.lists(CHANNELS, max_size=2),
    is_pdf=st.booleans(),
)
def test_the_message_then_the_file_name_then_the_channel_then_a_pdf_decide(
    text: str,
    file_name: str,
    channel: str,
    business_channels: list[str],
    card_channels: list[str],
    is_pdf: bool,
) -> None:
    kind = guess_kind(
        text,
        file_name=file_name,
        channel=channel,
        is_pdf=is_pdf,
        business_channels=business_channels,
        card_channels=card_channels,
    )
    named = kind_from_words(text) or kind_from_words(file_name)
    if named is not None:
        assert kind == named
    elif channel in business_channels:
        assert kind == "business"
    elif channel in card_channels:
        assert kind == "card"
    else:
        assert kind == ("business" if is_pdf else None)

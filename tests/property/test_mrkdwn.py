"""mrkdwn escaping: for any text, nothing Slack would act on and nothing invisible survives."""

import html
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.elements import file_line
from bot.blocks.mrkdwn import (
    ELLIPSIS,
    clean,
    escape,
    link,
    literal,
    mention,
    plain,
    truncate,
)
from tests.property.inert_text import assert_inert, assert_visible, invisible
from tests.property.strategies import HOSTILE_TEXT, LUHN_CARDS

PROPERTY = settings(max_examples=300, deadline=None)
LIMITS = st.integers(min_value=1, max_value=120)
# What the bot itself writes inside `<…>`; external text must never add to it.
BOT_TOKENS = re.compile(
    r"<!date\^\d+\^[^|<>]*\|[^<>]*>|<@[UW][A-Z0-9]+>|<https://[^|<>\s]+\|[^<>]*>"
)


@PROPERTY
@given(HOSTILE_TEXT)
def test_escape_leaves_nothing_slack_acts_on_and_loses_nothing_visible(text: str) -> None:
    escaped = escape(text)
    assert_inert(escaped)
    assert html.unescape(escaped) == clean(text)
    assert clean(text) == "".join(char for char in text if not invisible(char))


@PROPERTY
@given(HOSTILE_TEXT, LIMITS)
def test_literal_is_one_inert_line_within_the_limit(text: str, limit: int) -> None:
    shown = literal(text, limit)
    assert len(shown) <= limit
    assert_inert(shown)
    assert not any(mark in shown for mark in "*_~`")
    assert shown.splitlines() in ([shown], [])  # no line break of any kind
    assert not shown.startswith("&gt;")  # cannot open a quote


@PROPERTY
@given(HOSTILE_TEXT, LIMITS)
def test_literal_keeps_all_it_can_and_cuts_only_between_characters(text: str, limit: int) -> None:
    shown = literal(text, limit)
    whole = html.unescape(literal(text, 100_000))
    if not shown.endswith(ELLIPSIS) or html.unescape(shown) == whole:
        assert html.unescape(shown) == whole
        return
    kept = html.unescape(shown.removesuffix(ELLIPSIS))
    assert whole.startswith(kept)
    assert len(shown) >= limit - len("&amp;") + 1  # at most one entity is given up


@PROPERTY
@given(
    st.lists(
        st.one_of(
            HOSTILE_TEXT.map(escape),
            st.sampled_from(["<@U024BE7LH>", "<!date^1714539780^{date_short_pretty}|2024-05-01>"]),
            st.builds(link, st.just("https://acme.slack.com/archives/C1/p1"), HOSTILE_TEXT).map(
                lambda token: token or ""
            ),
        ),
        max_size=8,
    ).map("".join),
    LIMITS,
)
def test_truncate_never_cuts_inside_an_entity_or_a_bot_token(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert len(cut) <= limit
    if cut == text:
        return
    assert cut.endswith(ELLIPSIS)
    kept = cut.removesuffix(ELLIPSIS)
    assert text.startswith(kept)
    assert_inert(BOT_TOKENS.sub("", kept))


@PROPERTY
@given(HOSTILE_TEXT, LIMITS)
def test_plain_text_is_cleaned_and_within_the_limit(text: str, limit: int) -> None:
    shown = plain(text, limit)
    assert len(shown) <= limit
    assert_visible(shown)
    assert clean(text).startswith(shown.removesuffix(ELLIPSIS))


@PROPERTY
@given(HOSTILE_TEXT)
def test_a_mention_is_a_user_id_or_inert_text(user_id: str) -> None:
    shown = mention(user_id)
    if shown.startswith("<@"):
        assert re.fullmatch(r"<@[UW][A-Z0-9]{2,}>", shown)
    else:
        assert_inert(shown)


# How people name a photo after the card: groups split by spaces, dashes, underscores, dots.
FILE_NAME_SEPARATORS = ("", " ", "-", "_", ".", "  ", "   ", " - ", "__", "/", ")(", "\u200b", "\t")
NO_DIGITS = st.text(alphabet=st.characters(exclude_categories=["Nd", "No"]), max_size=10)


@PROPERTY
@given(
    LUHN_CARDS,
    st.sampled_from(FILE_NAME_SEPARATORS),
    NO_DIGITS,
    st.sampled_from([".jpg", ".png", " (사본).heic", ""]),
)
def test_a_card_number_in_a_file_name_shows_only_its_last_four_digits(
    digits: str, separator: str, before: str, extension: str
) -> None:
    groups = [digits[start : start + 4] for start in range(0, len(digits), 4)]
    name = before + separator.join(groups) + extension
    for shown in (file_line(name), plain(name, 10_000), escape(name), literal(name, 10_000)):
        visible = "".join(char for char in unicodedata.normalize("NFKC", shown) if char.isdigit())
        assert visible == digits[-4:], shown

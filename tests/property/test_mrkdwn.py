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
    mask_long_numbers,
    mention,
    plain,
    truncate,
)
from tests.property.strategies import written

PROPERTY = settings(max_examples=300, deadline=None)
# Pieces Slack gives meaning to, and characters that reorder or hide text.
HOSTILE_PIECES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U024BE7LH>",
    "<#C024BE91L>",
    "<!subteam^S1>",
    "<https://evil.example|국민은행>",
    "<mailto:a@b.c|x>",
    "&lt;",
    "&amp;",
    "&",
    "<",
    ">",
    "*",
    "_",
    "~",
    "`",
    "```",
    "> ",
    "\n",
    "\r\n",
    "\u2028",
    "\t",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u180e",
    "\u2061",
    "\U000e0041",
    "\x00",
    "\x1b",
    "\x85",
    "국민은행",
    "abc",
    " ",
    "1234",
]
HOSTILE = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=25).map("".join),
)
LIMITS = st.integers(min_value=1, max_value=120)
MENTION_OR_LINK = re.compile(r"<[!@#]|<https?:|<mailto:")
# What the bot itself writes inside `<…>`; external text must never add to it.
BOT_TOKENS = re.compile(
    r"<!date\^\d+\^[^|<>]*\|[^<>]*>|<@[UW][A-Z0-9]+>|<https://[^|<>\s]+\|[^<>]*>"
)
ENTITY = re.compile(r"&(?:amp|lt|gt);")


def invisible(char: str) -> bool:
    """A character that reorders or hides text: any format character (bidi controls,
    zero-width characters, tag characters) or a control character other than tab and line ends.
    """
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in "\t\n\r")


def assert_inert(text: str) -> None:
    assert "<" not in text, text
    assert ">" not in text, text
    assert not MENTION_OR_LINK.search(text)
    assert "&" not in ENTITY.sub("", text), text  # every & starts a whole entity
    assert not [char for char in text if invisible(char)], text


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


@PROPERTY
@given(HOSTILE)
def test_escape_leaves_nothing_slack_acts_on_and_loses_nothing_visible(text: str) -> None:
    escaped = escape(text)
    assert_inert(escaped)
    assert html.unescape(escaped) == clean(text)
    assert clean(text) == "".join(char for char in text if not invisible(char))


@PROPERTY
@given(HOSTILE, LIMITS)
def test_literal_is_one_inert_line_within_the_limit(text: str, limit: int) -> None:
    shown = literal(text, limit)
    assert len(shown) <= limit
    assert_inert(shown)
    assert not any(mark in shown for mark in "*_~`")
    assert shown.splitlines() in ([shown], [])  # no line break of any kind
    assert not shown.startswith("&gt;")  # cannot open a quote


@PROPERTY
@given(HOSTILE, LIMITS)
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
            HOSTILE.map(escape),
            st.sampled_from(["<@U024BE7LH>", "<!date^1714539780^{date_short_pretty}|2024-05-01>"]),
            st.builds(link, st.just("https://acme.slack.com/archives/C1/p1"), HOSTILE).map(
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
@given(HOSTILE, LIMITS)
def test_plain_text_is_cleaned_and_within_the_limit(text: str, limit: int) -> None:
    shown = plain(text, limit)
    assert len(shown) <= limit
    assert not [char for char in shown if invisible(char)]
    assert clean(text).startswith(shown.removesuffix(ELLIPSIS))


@PROPERTY
@given(HOSTILE)
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
    st.data(),
    st.from_regex(r"[0-9]{12,19}", fullmatch=True),
    NO_DIGITS,
    st.sampled_from([".jpg", ".png", " (사본).heic", ""]),
)
def test_a_card_number_in_a_file_name_shows_only_its_last_four_digits(
    data: st.DataObject, digits: str, before: str, extension: str
) -> None:
    name = before + data.draw(written(digits, FILE_NAME_SEPARATORS)) + extension
    masked = mask_long_numbers(name)
    for shown in (file_line(name), plain(masked, 10_000), escape(masked)):
        visible = "".join(char for char in unicodedata.normalize("NFKC", shown) if char.isdigit())
        assert visible == digits[-4:], shown

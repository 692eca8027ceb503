"""Properties of how `/bizstatus` reads its text, for any text a person could type."""

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain import bizno
from bot.domain.number_list import (
    HELP_WORDS,
    AddWatch,
    Command,
    ExportWatches,
    Help,
    ListWatches,
    LookUp,
    Unwatch,
    parse_command,
    split_number_and_label,
    split_numbers,
)
from tests.property.strategies import HOSTILE_TEXT, NUMBER_SEPARATORS, VALID_BIZNO, written

PROPERTY = settings(max_examples=200, deadline=None)
LIST_SEPARATORS = (",", "，", "、")
TYPED = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from("0123456789-. ,，、\t\u3000가A"), max_size=60),
)
# Inside a number that spaces may also separate from the next one.
UNSPACED_SEPARATORS = tuple(s for s in NUMBER_SEPARATORS if not s.isspace())


def _unseparated(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and c not in LIST_SEPARATORS)


@PROPERTY
@given(TYPED)
def test_tokens_are_trimmed_and_lose_nothing_typed(text: str) -> None:
    tokens = split_numbers(text)
    for token in tokens:
        assert token
        assert token == token.strip()
        assert not any(separator in token for separator in LIST_SEPARATORS)
        if any(char.isspace() for char in token):  # only one number may keep its spaces
            assert bizno.compact(token).isdigit()
            assert len(bizno.compact(token)) == 10
    typed = _unseparated(unicodedata.normalize("NFKC", text))
    assert _unseparated("".join(tokens)) == typed


@PROPERTY
@given(st.data(), st.lists(VALID_BIZNO, min_size=1, max_size=12))
def test_numbers_written_any_way_between_commas_come_back_in_order(
    data: st.DataObject, numbers: list[str]
) -> None:
    parts = [data.draw(written(number)) for number in numbers]
    gaps = st.tuples(st.sampled_from(LIST_SEPARATORS), st.sampled_from(["", " ", "  "]))
    text = parts[0]
    for part in parts[1:]:
        comma, space = data.draw(gaps)
        text += data.draw(st.sampled_from(["", " "])) + comma + space + part

    assert [bizno.validate(token) for token in split_numbers(text)] == numbers


@PROPERTY
@given(st.data(), st.lists(VALID_BIZNO, min_size=1, max_size=12))
def test_numbers_without_spaces_inside_may_be_separated_by_spaces(
    data: st.DataObject, numbers: list[str]
) -> None:
    parts = [data.draw(written(number, UNSPACED_SEPARATORS)) for number in numbers]
    gaps = st.sampled_from([" ", "  ", "\t", "\n", "\u3000", ", ", " 、"])
    text = parts[0] + "".join(data.draw(gaps) + part for part in parts[1:])

    assert [bizno.validate(token) for token in split_numbers(f"  {text} ")] == numbers


# split_number_and_label and parse_command: `/bizstatus watch <number> [label]` and the verbs.

VERBS = ("watch", "unwatch", "list")
_FULL_WIDTH_LETTERS = {chr(c): chr(c - 0x20 + 0xFF00) for c in range(0x21, 0x7F)}
GAPS = st.sampled_from([" ", "  ", "\t", "\n", "\u3000", "\u00a0", " \u3000 "])
# Words a label may hold to pass for something else: verbs, numbers, list separators.
SMUGGLED = st.sampled_from(
    [
        *VERBS,
        "help",
        "?",
        "도움말",
        "WATCH",
        "ｕｎｗａｔｃｈ",
        "124-81-00998",
        "1248100998",
        "124 81 00998",
        ",",
        ", 124-81-00998",
        "-",
        "—",
        "7",
        "2층",
        "(주)한빛",
    ]
)
LABELS = st.one_of(
    st.text(max_size=30),
    HOSTILE_TEXT,
    st.lists(st.one_of(SMUGGLED, VALID_BIZNO.flatmap(written)), max_size=6).map(" ".join),
)
ANY_TEXT = st.one_of(
    TYPED, HOSTILE_TEXT, st.lists(st.one_of(SMUGGLED, TYPED), max_size=8).map(" ".join)
)


@st.composite
def spelled(draw: st.DrawFn, word: str) -> str:
    """`word` as a person may type it: any letter upper case, any full width."""
    chars = []
    for char in word:
        char = char.upper() if draw(st.booleans()) else char
        chars.append(_FULL_WIDTH_LETTERS[char] if draw(st.booleans()) else char)
    return "".join(chars)


def first_word(text: str) -> str:
    words = text.split()
    return unicodedata.normalize("NFKC", words[0]).lower() if words else ""


@PROPERTY
@given(ANY_TEXT)
def test_any_text_is_split_into_a_number_and_a_label_losing_nothing(text: str) -> None:
    number, label = split_number_and_label(text)
    assert number == number.strip()
    assert label == label.strip()
    assert f"{number} {label}".split() == text.split()  # every word typed, in order


@PROPERTY
@given(ANY_TEXT)
def test_any_text_is_one_command(text: str) -> None:
    command = parse_command(text)
    assert isinstance(command, LookUp | AddWatch | Unwatch | ListWatches | Help)


@PROPERTY
@given(st.data(), VALID_BIZNO, GAPS, LABELS)
def test_a_number_written_any_way_then_a_label_come_back_as_typed(
    data: st.DataObject, number: str, gap: str, label: str
) -> None:
    typed = data.draw(written(number))

    assert split_number_and_label(f"{typed}{gap}{label}") == (typed, label.strip())
    assert split_number_and_label(f"{gap}{typed}") == (typed, "")
    assert bizno.validate(typed) == number


@PROPERTY
@given(st.data(), VALID_BIZNO, GAPS, LABELS)
def test_a_label_never_smuggles_a_second_number_or_a_verb(
    data: st.DataObject, number: str, gap: str, label: str
) -> None:
    typed = data.draw(written(number))
    watch, unwatch = data.draw(spelled("watch")), data.draw(spelled("unwatch"))

    assert parse_command(f"{watch}{gap}{typed}{gap}{label}") == AddWatch(typed, label.strip())
    assert parse_command(f"{gap}{unwatch}{gap}{typed}{gap}{label}") == Unwatch(typed)


@PROPERTY
@given(st.data(), GAPS, ANY_TEXT)
def test_list_is_the_list_whatever_follows(data: st.DataObject, gap: str, rest: str) -> None:
    command = parse_command(f"{data.draw(spelled('list'))}{gap}{rest}")
    assert isinstance(command, ListWatches)
    assert command.page >= 1
    # The search is what follows, words as typed, less a last word taken as the page.
    words = rest.split()
    assert command.search in (" ".join(words), " ".join(words[:-1]))
    if command.page > 1:
        assert command.search == " ".join(words[:-1])


@PROPERTY
@given(
    st.one_of(
        ANY_TEXT,
        # Near misses: a verb glued to more, split, or after something else.
        st.tuples(
            st.sampled_from(["watchlist", "watch,", "un watch", "lists", "w atch", "/watch", "1"]),
            st.sampled_from(["", " "]),
            ANY_TEXT,
        ).map("".join),
    )
)
def test_a_text_that_is_not_a_verb_is_numbers_or_help(text: str) -> None:
    assume(first_word(text) not in VERBS)
    numbers = split_numbers(text)

    command = parse_command(text)

    if not numbers or numbers[0].lower() in HELP_WORDS:
        assert command == Help()
    else:
        assert command == LookUp(tuple(numbers))


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("220-81-62517", LookUp(("220-81-62517",))),
        ("220-81-62517 watch", LookUp(("220-81-62517", "watch"))),
        ("watchlist 220-81-62517", LookUp(("watchlist", "220-81-62517"))),
        ("watch 220-81-62517 (주)한빛  본사 ", AddWatch("220-81-62517", "(주)한빛  본사")),
        ("Watch\t220 81 62517", AddWatch("220 81 62517", "")),
        ("ｗａｔｃｈ ２２０－８１－６２５１７ 본사", AddWatch("２２０－８１－６２５１７", "본사")),
        ("watch 220 - 81 - 62517 2층", AddWatch("220 - 81 - 62517", "2층")),
        # One number per watch: a second is the label, shown back to the person.
        ("watch 220-81-62517 124-81-00998", AddWatch("220-81-62517", "124-81-00998")),
        ("watch 220-81-62517 unwatch", AddWatch("220-81-62517", "unwatch")),
        ("watch", AddWatch("", "")),  # the watchlist says the number is missing
        ("watch 한빛", AddWatch("한빛", "")),  # and here that it is no number
        ("unwatch 220-81-62517 (주)한빛", Unwatch("220-81-62517")),
        ("LIST", ListWatches()),
        ("list 220-81-62517", ListWatches("220-81-62517")),
        ("list 한빛 본사 12", ListWatches("한빛 본사", 12)),
        ("export", ExportWatches()),
        ("", Help()),
        (" HELP ", Help()),
        ("?", Help()),
        ("도움말 220-81-62517", Help()),
    ],
)
def test_examples(typed: str, command: Command) -> None:
    assert parse_command(typed) == command

"""The one masking rule, over every written form: no card number survives `mask`, however it
is grouped, separated, encoded or surrounded; business numbers and other ordinary numbers do."""

import json
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pan import mask
from tests.property.strategies import LUHN_CARDS, VALID_BIZNO
from tests.support.leaks import card_digit_runs

PROPERTY = settings(max_examples=200, deadline=None)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# Separators people and encoders put between the groups of a number.
SEPARATORS = st.sampled_from(
    [
        *(" ", "  ", "-", " - ", ".", "/", "_", "__", "\t", "\n", "\r\n"),
        *("\u00a0", "\u2007", "\u202f", "\u3000", "\u2009", "\u200b", "\u00ad"),
        *("－", "–", "—", "−", "．", "／", "＿", "+", ")(", "%20", "%2520", "%C2%A0", "%E3%80%80"),
    ]
)
# Text around a number. A bare % or backslash right before an encoded number would make
# its first separator ambiguous ("%" + "%2000…"): encoders escape those, so they are left out.
NO_DIGITS = st.text(
    alphabet=st.characters(exclude_categories=["Nd", "No", "Cs"], exclude_characters="%\\"),
    max_size=10,
)


def split(number: str, sizes: tuple[int, ...]) -> list[str]:
    groups, rest = [], number
    while rest:
        size = sizes[min(len(groups), len(sizes) - 1)]
        groups.append(rest[:size])
        rest = rest[size:]
    return groups


@st.composite
def written_card(draw: st.DrawFn, number: str) -> str:
    """`number` as people and encoders write it: maybe full width; printed in groups with any
    separators (mixed too), split anyhow with one separator, or unbroken; maybe
    percent-encoded or escaped as a whole, as URLs and logs carry it."""
    layout = draw(st.sampled_from(["printed", "split", "unbroken"]))
    if draw(st.booleans()):
        number = number.translate(_FULL_WIDTH)
    if layout == "unbroken":
        text = number
    elif layout == "printed":
        sizes = (4, 6, 5) if len(number) == 15 and draw(st.booleans()) else (4,)
        groups = split(number, sizes)
        joints = draw(st.lists(SEPARATORS, min_size=len(groups) - 1, max_size=len(groups) - 1))
        text = groups[0] + "".join(j + g for j, g in zip(joints, groups[1:], strict=True))
    else:
        sizes = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=6)))
        text = draw(SEPARATORS).join(split(number, sizes))
    encode = draw(st.sampled_from(["", "quote", "quote twice", "quote_plus", "json", "repr"]))
    return {
        "": text,
        "quote": quote(text),
        "quote twice": quote(quote(text)),
        "quote_plus": quote_plus(text),
        "json": json.dumps(text),
        "repr": repr(text),
    }[encode]


@PROPERTY
@given(st.data(), LUHN_CARDS, NO_DIGITS, NO_DIGITS)
def test_no_card_number_survives_however_written(
    data: st.DataObject, number: str, before: str, after: str
) -> None:
    text = before + data.draw(written_card(number)) + after
    masked = mask(text)
    assert card_digit_runs(masked, number) == [], masked


@PROPERTY
@given(st.data(), LUHN_CARDS, NO_DIGITS)
def test_masking_keeps_the_text_around_and_is_stable(
    data: st.DataObject, number: str, around: str
) -> None:
    text = f"{around} {data.draw(written_card(number))} {around}"
    masked = mask(text)
    assert mask(masked) == masked
    assert masked.startswith(f"{around} ")
    assert masked.endswith(f" {around}")


@PROPERTY
@given(st.data(), st.lists(LUHN_CARDS, min_size=2, max_size=4), st.sampled_from([" ", ", ", "\n"]))
def test_several_card_numbers_side_by_side_are_all_masked(
    data: st.DataObject, numbers: list[str], gap: str
) -> None:
    masked = mask(gap.join(data.draw(written_card(number)) for number in numbers))
    for number in numbers:
        assert card_digit_runs(masked, number) == [], masked


ORDINARY = st.sampled_from(
    [
        "1700000000.123456",  # a Slack ts
        "1714539780",  # a Unix time
        "2208162517",
        "220-81-62517",
        "124-81-00998",
        "110111-4812345",  # a corporate registration number
        "1,234,567원",
        "12,345,678,901",
        "2024-05-01",
        "2024-05-01T12:30:45",
        "12:30:45",
        "010-1234-5678",
        "F07ABCDEF12",
        "U024BE7LH",
        "v1.2.3",
        "4000103",
        "port 8080",
        "<https://acme.slack.com/archives/C1/p1714539780123456|link>",
    ]
)
# A bare short group ("8080") is left out: four of them side by side are written exactly as
# a card number is, and the rule rightly masks such a run.


@PROPERTY
@given(st.lists(ORDINARY, min_size=1, max_size=8), st.sampled_from([" ", ", ", " | ", "\n"]))
def test_ordinary_numbers_side_by_side_are_left_alone(numbers: list[str], gap: str) -> None:
    text = "status " + gap.join(numbers)
    assert mask(text) == text


@PROPERTY
@given(
    st.lists(VALID_BIZNO, min_size=1, max_size=6),
    st.sampled_from(["-", " ", ".", ""]),
    st.sampled_from([" ", ", ", "\n", " | "]),
)
def test_business_numbers_survive_in_any_number_and_layout(
    numbers: list[str], separator: str, gap: str
) -> None:
    text = gap.join(separator.join((n[:3], n[3:5], n[5:])) for n in numbers)
    assert mask(text) == text


@PROPERTY
@given(st.text(max_size=80))
def test_any_text_is_taken(text: str) -> None:
    assert isinstance(mask(text), str)

"""Properties of the business registration number parser, for any text."""

import re
import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain import bizno
from bot.domain.bizno import BusinessKind, InvalidBusinessNumber
from bot.i18n import Language
from tests.property.strategies import VALID_BIZNO, bizno_check_digit, issuable, written

PROPERTY = settings(max_examples=300, deadline=None)
# Text near the parser's edges: digits of several scripts, separators, letters, spaces.
NEAR_NUMBERS = st.text(
    alphabet=st.sampled_from("0123456789０１２٣①²-‐—−.,/ \t\u3000\u200bAbc가"), max_size=30
)
ANY_TEXT = st.one_of(st.text(max_size=40), NEAR_NUMBERS)
FORMATTED = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{5}")


@PROPERTY
@given(ANY_TEXT)
def test_compact_takes_any_text(text: str) -> None:
    assert isinstance(bizno.compact(text), str)


@PROPERTY
@given(ANY_TEXT)
def test_validate_returns_a_valid_number_or_says_why_not(text: str) -> None:
    try:
        digits = bizno.validate(text)
    except InvalidBusinessNumber as error:
        assert error.reason in ("empty", "characters", "length", "checksum")
        assert error.message(Language.KO)
        assert str(error) == error.message(Language.EN)
        assert not bizno.is_valid(text)
    else:
        assert re.fullmatch(r"[0-9]{10}", digits)
        assert bizno.checksum_ok(digits)
        assert bizno.is_valid(text)


@PROPERTY
@given(ANY_TEXT)
def test_format_and_kind_raise_only_invalid_business_number(text: str) -> None:
    try:
        shown = bizno.format(text)
    except InvalidBusinessNumber as error:
        assert error.reason != "checksum"  # format does not check the last digit
    else:
        assert FORMATTED.fullmatch(shown)
        assert isinstance(bizno.kind(text), BusinessKind)


@PROPERTY
@given(st.data(), VALID_BIZNO)
def test_a_valid_number_written_any_way_round_trips(data: st.DataObject, digits: str) -> None:
    text = data.draw(written(digits))
    shown = bizno.format(text)
    assert shown == f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    assert bizno.validate(text) == digits
    assert bizno.validate(shown) == digits
    assert bizno.compact(shown) == digits
    assert bizno.format(shown) == shown


@PROPERTY
@given(VALID_BIZNO, st.integers(0, 9), st.integers(1, 9))
def test_the_check_digit_catches_any_one_wrong_digit(digits: str, at: int, change: int) -> None:
    wrong = digits[:at] + str((int(digits[at]) + change) % 10) + digits[at + 1 :]
    assume(issuable(wrong))  # else the possible-number rule refuses it first
    assert not bizno.is_valid(wrong)
    try:
        bizno.validate(wrong)
    except InvalidBusinessNumber as error:
        assert error.reason == "checksum"
    else:
        raise AssertionError(f"{wrong} passed although {digits} is the valid number")


@PROPERTY
@given(st.from_regex(r"[0-9]{1,30}", fullmatch=True).filter(lambda d: len(d) != 10))
def test_a_wrong_length_is_named_with_the_count(digits: str) -> None:
    try:
        bizno.validate(digits)
    except InvalidBusinessNumber as error:
        assert (error.reason, str(len(digits))) == ("length", _count_in(error))
    else:
        raise AssertionError(f"{digits} passed with {len(digits)} digits")


@PROPERTY
@given(st.text(alphabet=st.characters(categories=["Zs", "Cc"]), max_size=5))
def test_nothing_but_spaces_is_empty(text: str) -> None:
    blank = unicodedata.normalize("NFKC", text).strip() == ""
    try:
        bizno.validate(text)
    except InvalidBusinessNumber as error:
        assert error.reason == ("empty" if blank else "characters")


def _count_in(error: InvalidBusinessNumber) -> str:
    found = re.search(r"not (\d+)", error.message(Language.EN))
    assert found is not None
    return found.group(1)


@PROPERTY
@given(st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_possible_is_the_tax_office_rule_and_validate_adds_the_check_digit(digits: str) -> None:
    try:
        assert bizno.possible(digits) == digits
    except InvalidBusinessNumber as error:
        assert not issuable(digits)
        assert error.reason in ("office", "kind", "serial")
        assert not bizno.is_valid(digits)
        return
    assert issuable(digits)
    assert bizno.is_valid(digits) is (digits[9] == bizno_check_digit(digits[:9]))

import pytest

from bot.domain import bizno
from bot.domain.bizno import BusinessKind, InvalidBusinessNumber
from bot.i18n import Language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 220-81-62517 ", "2208162517"),
        ("２２０８１６２５１７", "2208162517"),  # full-width digits
        ("２２０－８１－６２５１７", "2208162517"),  # full-width hyphen
        ("220‐81‐62517", "2208162517"),  # U+2010 hyphen
        ("220–81—62517", "2208162517"),  # en and em dashes
        ("220.81.62517", "2208162517"),
        ("220 81\t62517\u3000", "2208162517"),  # tab and ideographic space
        ("220/81/62517", "220/81/62517"),  # other characters are kept for validate to reject
        ("", ""),
    ],
)
def test_compact(text: str, expected: str) -> None:
    assert bizno.compact(text) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("2208162517", True),
        ("1248100998", True),
        ("1234567890", False),
        ("2208162518", False),
        ("1018200013", True),  # d9 = 1: floor(5/10) adds nothing
        ("0000000091", True),  # d9 = 9: floor(45/10) = 4 joins the sum
        ("0000000095", False),  # what the sum would give without that term
        ("220816251", False),  # nine digits
        ("22081625170", False),
        ("220-81-625", False),
        ("２２０８１６２５１７", False),  # not ASCII: compact first
    ],
)
def test_checksum(digits: str, expected: bool) -> None:
    assert bizno.checksum_ok(digits) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("220-81-62517", "2208162517"),
        ("124 81 00998", "1248100998"),
        ("２２０-８１-６２５１７", "2208162517"),
    ],
)
def test_validate_accepts(text: str, expected: str) -> None:
    assert bizno.validate(text) == expected
    assert bizno.is_valid(text)


@pytest.mark.parametrize(
    ("text", "reason", "english"),
    [
        ("", "empty", "is empty"),
        (" - ", "empty", "is empty"),
        ("220-81-6251O", "characters", "only digits"),
        ("220-81-6251७", "characters", "only digits"),  # a Devanagari digit is not ASCII
        ("220-81-6251", "length", "10 digits, not 9"),
        ("220-81-625170", "length", "10 digits, not 11"),
        ("123-45-67890", "checksum", "last digit does not match"),
    ],
)
def test_validate_rejects_saying_why(text: str, reason: str, english: str) -> None:
    with pytest.raises(InvalidBusinessNumber) as caught:
        bizno.validate(text)
    error = caught.value
    assert error.reason == reason
    assert english in str(error)
    assert str(error) == error.message(Language.EN)
    assert error.message(Language.KO) != error.message(Language.EN)
    assert not bizno.is_valid(text)


@pytest.mark.parametrize("reason", ["empty", "characters", "length"])
def test_messages_show_what_a_valid_number_looks_like(reason: bizno.Reason) -> None:
    message = InvalidBusinessNumber(reason, count=3).message
    assert "220-81-62517" in message.ko
    assert "220-81-62517" in message.en


def test_checksum_message_points_at_a_typo() -> None:
    message = InvalidBusinessNumber("checksum").message
    assert "typo" in message.en
    assert "오타" in message.ko


def test_invalid_business_number_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="10 digits"):
        bizno.validate("1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2208162517", "220-81-62517"),
        (" 220 81 62517 ", "220-81-62517"),
        ("１２３４５６７８９０", "123-45-67890"),  # formats even though the check digit fails
    ],
)
def test_format(text: str, expected: str) -> None:
    assert bizno.format(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("22O-81-62517", "characters"), ("220-81-625", "length")],
)
def test_format_rejects_what_is_not_ten_digits(text: str, reason: str) -> None:
    with pytest.raises(InvalidBusinessNumber) as caught:
        bizno.format(text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("middle", "expected"),
    [
        ("00", BusinessKind.UNKNOWN),
        ("01", BusinessKind.INDIVIDUAL_TAXABLE),
        ("45", BusinessKind.INDIVIDUAL_TAXABLE),
        ("79", BusinessKind.INDIVIDUAL_TAXABLE),
        ("80", BusinessKind.APARTMENT_OR_MULTI_LEVEL_SELLER),
        ("81", BusinessKind.CORPORATE_HEAD_OFFICE),
        ("82", BusinessKind.NON_PROFIT_CORPORATION),
        ("83", BusinessKind.GOVERNMENT),
        ("84", BusinessKind.FOREIGN_CORPORATION),
        ("85", BusinessKind.CORPORATE_BRANCH),
        ("86", BusinessKind.CORPORATE_HEAD_OFFICE),
        ("87", BusinessKind.CORPORATE_HEAD_OFFICE),
        ("88", BusinessKind.CORPORATE_HEAD_OFFICE),
        ("89", BusinessKind.RELIGIOUS_BODY),
        ("90", BusinessKind.INDIVIDUAL_TAX_EXEMPT),
        ("99", BusinessKind.INDIVIDUAL_TAX_EXEMPT),
    ],
)
def test_kind_from_the_middle_digits(middle: str, expected: BusinessKind) -> None:
    assert bizno.kind(f"123-{middle}-45678") is expected


def test_kind_rejects_what_is_not_ten_digits() -> None:
    with pytest.raises(InvalidBusinessNumber):
        bizno.kind("123-81")


@pytest.mark.parametrize("business_kind", list(BusinessKind))
def test_every_kind_has_a_label_in_both_languages(business_kind: BusinessKind) -> None:
    assert business_kind.label.ko
    assert business_kind.label.en


# Real numbers that fail the widely published check digit: python-stdnum's tests list
# them among the 234 numbers found in the wild (issue 11).
REAL_BUT_CHECK_DIGIT_DIFFERS = ["206-18-12345", "306-82-00417", "728-86-00316"]


@pytest.mark.parametrize("text", [*REAL_BUT_CHECK_DIGIT_DIFFERS, "123-45-67890"])
def test_a_number_failing_only_the_check_digit_is_possible(text: str) -> None:
    assert bizno.possible(text) == bizno.compact(text)
    assert not bizno.checksum_ok(bizno.compact(text))
    with pytest.raises(InvalidBusinessNumber) as caught:
        bizno.validate(text)
    assert caught.value.reason == "checksum"


@pytest.mark.parametrize("text", ["220-81-62517", "124-81-00998", "101-82-00013"])
def test_published_valid_numbers_are_possible_and_valid(text: str) -> None:
    assert bizno.possible(text) == bizno.validate(text) == bizno.compact(text)


@pytest.mark.parametrize(
    ("text", "reason", "english"),
    [
        # Passes the check digit, yet no tax office issues it: office 000, kind 00, serial 0000.
        ("000-00-00000", "office", "(000) are no tax office's code"),
        ("100-81-62514", "office", "(100) are no tax office's code"),
        ("101-00-12342", "kind", "cannot be 00"),
        ("220-81-00001", "serial", "cannot be 0000"),
        ("220-81-6251", "length", "10 digits, not 9"),
    ],
)
def test_an_impossible_number_is_refused_whatever_its_check_digit(
    text: str, reason: str, english: str
) -> None:
    if reason != "length":  # each passes the check digit: only the possible-number rule catches it
        assert bizno.checksum_ok(bizno.compact(text))
    with pytest.raises(InvalidBusinessNumber) as caught:
        bizno.possible(text)
    assert caught.value.reason == reason
    assert english in str(caught.value)
    assert caught.value.message.ko != caught.value.message.en
    with pytest.raises(InvalidBusinessNumber):
        bizno.validate(text)


def test_000_00_00000_passes_the_check_digit_but_is_not_valid() -> None:
    assert bizno.checksum_ok("0000000000")
    assert not bizno.is_valid("000-00-00000")


def test_the_check_digit_message_says_the_rule_is_only_the_usual_one() -> None:
    message = InvalidBusinessNumber("checksum").message
    assert "usual" in message.en
    assert "흔히" in message.ko

"""The one masking rule: every written form of a card number is masked, other numbers stay.

Examples here; properties over every written form in tests/property/test_pan.py.
"""

import pytest

from bot.domain.pan import mask
from tests.support.leaks import card_digit_runs

# Luhn-valid numbers from FACTS.md and the issue (Visa, Mastercard, Amex, UnionPay 19).
NUMBERS = ["4556076760016584", "5555555555554444", "371449635398431", "6212345678901232126"]


def printed(number: str, separator: str) -> str:
    sizes = (4, 6, 5) if len(number) == 15 else (4, 4, 4, 4, 3)
    groups, rest = [], number
    for size in sizes:
        groups.append(rest[:size])
        rest = rest[size:]
    return separator.join(group for group in groups if group)


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize(
    "separator",
    [
        "",
        " ",
        "-",
        ".",
        "/",
        "_",
        " - ",
        "\u00a0",  # no-break space
        "\u2007",  # figure space
        "\u202f",  # narrow no-break space
        "\u3000",  # ideographic space
        "\u200b",  # zero-width space
        "\t",
        "\n",
        "－",  # full-width hyphen
        "–",  # en dash
        "＿",  # full-width low line, as literal() writes underscores
        "%20",
        "%2520",  # encoded twice
        "%C2%A0",
        "+",
        "\\u00a0",  # as JSON and repr write it in a log line
        "\\xa0",
        ",",  # four cells of a CSV row
        ", ",  # a list, as /bizstatus splits one
        "，",
        "%2C",
    ],
)
@pytest.mark.parametrize(("before", "after"), [("", ""), ("card ", ".jpg"), ("카드", "번")])
def test_a_card_number_is_masked_however_it_is_written(
    number: str, separator: str, before: str, after: str
) -> None:
    text = before + printed(number, separator) + after
    masked = mask(text)
    assert card_digit_runs(masked, number) == [], masked
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert masked.replace(" ", "").endswith(number[-4:] + after.replace(" ", ""))


@pytest.mark.parametrize(
    "text",
    [
        "4556 0767-6001.6584",
        "4556_0767/6001 6584",
        "(4556)(0767)(6001)(6584)",
        "card%204556%200767%206001%206584.jpg",  # %20 glues "20" to each group
        "4556%200767%206001%206584",
        "https%3A%2F%2Ffiles.slack.com%2Fcard%25204556%25200767%25206001%25206584.jpg",
        "４５５６ ０７６７ ６００１ ６５８４",
        "４５５６０７６７６００１６５８４",
        '"name": "card\\u00a04556\\u00a00767\\u00a06001\\u00a06584.jpg"',
        "\\uff14\\uff15\\uff15\\uff16\\uff10\\uff17\\uff16\\uff17"
        "\\uff16\\uff10\\uff10\\uff11\\uff16\\uff15\\uff18\\uff14",
        "4556 0767 6001 6584 12/27",  # with the expiry after it
        "50%4556 0767 6001 6584",  # a literal % before the number
    ],
)
def test_mixed_separators_and_encodings_are_masked(text: str) -> None:
    masked = mask(text)
    assert card_digit_runs(masked, "4556076760016584") == [], masked
    assert "6584" in masked


def test_the_mask_is_the_one_card_format() -> None:
    assert mask("paid 4556 0767 6001 6584 ok") == "paid •••• •••• •••• 6584 ok"
    assert mask("AMEX 3714 496353 98431") == "AMEX •••• •••••• •8431"
    assert mask(mask("4556-0767-6001-6584")) == mask("4556-0767-6001-6584")


def test_two_numbers_side_by_side_are_both_masked() -> None:
    masked = mask("4556 0767 6001 6584 5555 5555 5555 4444")
    for number in ("4556076760016584", "5555555555554444"):
        assert card_digit_runs(masked, number) == [], masked


@pytest.mark.parametrize(
    "text",
    [
        "4556 0767 6001 6585",  # one digit misread: Luhn fails, fifteen digits are real
        "4556-0767-6001-6585",
        "3714 496353 98432",
        "4556 0767 6001 658",  # one digit lost
    ],
)
def test_a_card_laid_out_as_printed_is_masked_even_when_luhn_fails(text: str) -> None:
    masked = mask(text)
    assert card_digit_runs(masked, text.replace(" ", "").replace("-", "")) == [], masked


@pytest.mark.parametrize(
    "text",
    [
        "220-81-62517",
        "2208162517",
        "２２０-８１-６２５１７",
        "220 81 62517 124 81 00998",
        "110111-4812345",  # corporate registration number
        "110111 4812345",
        "1700000000.123456",  # a Slack ts
        "ts=1700000000.123456&thread_ts=1714539780.000200",
        "<https://acme.slack.com/archives/C024BE91L/p1700000000123456|원본 메시지>",
        # A permalink whose ts passes Luhn, in a channel whose id the fakes write with "_".
        "<https://example.slack.com/archives/C_PURCHASING/p1796292721000452|원본 메시지 보기>",
        "F07ABC12345 U024BE7LH C024BE91L",
        "2024-05-01 2024-05-01",
        "2024-05-01T12:30:45.123456+00:00",
        "12,345,678,901,234원",
        "1,234,567원 12,345,678,901",
        "1,234,567,890,123",  # 13 digits in groups of three: money, even when Luhn passes
        "2208162517, 1248100998, 1018100340",
        "010-1234-5678 2024-05-01",
        "order 4556076760016585",  # unbroken and failing Luhn: an id, not a card
        "1234567890123",  # 13 digits failing Luhn
        "scan 2024 v2.png",
        "IMG_20240501_123045.jpg",
        "VISA ••••1881",
        "•••• •••• •••• 6584",
        "port 8080, 4000103",
        "",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(
    "written",
    [
        "4222222222222",  # the shortest card, thirteen digits
        "".join(f"%{ord(digit):02X}" for digit in "4222222222222"),  # each digit escaped
        "".join(f"\\u{0xFF10 + int(digit):04x}" for digit in "4222222222222"),  # full width
    ],
)
def test_the_shortest_card_is_masked_however_its_digits_are_written(written: str) -> None:
    assert mask(f"card {written} exp") == "card • •••• •••• 2222 exp"


def test_text_with_fewer_digits_than_the_shortest_card_is_returned_as_it_is() -> None:
    text = "order 4222-2222-2222 %20 \\u00a0"  # twelve digits, escapes among them
    assert mask(text) is text

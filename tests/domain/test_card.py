import copy
import logging
import pickle
import re
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from bot.domain.card import CardBrand, CardNumber, Expiry, brand_of, luhn_ok, parse_expiry

TEST_NUMBERS = [
    "4111111111111111",
    "4012888888881881",
    "5555555555554444",
    "371449635398431",
    "6212345678901232123",  # 19 digits
]


class Payment(BaseModel):
    card: CardNumber
    holder: str


def assert_no_run_of_the_number(text: str, number: str) -> None:
    """No run of five digits of `number` shows, even split by spaces or hyphens."""
    joined = re.sub(r"[\s\-]", "", text)
    assert not re.search(r"[0-9]{5,}", joined), text
    for start in range(len(number) - 4):
        assert number[start : start + 5] not in joined, text


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("4111111111111111", CardBrand.VISA),
        ("4", CardBrand.VISA),
        ("5105105105105100", CardBrand.MASTERCARD),
        ("5555555555554444", CardBrand.MASTERCARD),
        ("5011111111111111", CardBrand.UNKNOWN),
        ("5611111111111111", CardBrand.UNKNOWN),
        ("2221000000000009", CardBrand.MASTERCARD),
        ("2720990000000000", CardBrand.MASTERCARD),
        ("2220990000000000", CardBrand.UNKNOWN),
        ("2721000000000000", CardBrand.UNKNOWN),
        ("371449635398431", CardBrand.AMEX),
        ("341111111111111", CardBrand.AMEX),
        ("3528000000000000", CardBrand.JCB),
        ("3589000000000000", CardBrand.JCB),
        ("3527000000000000", CardBrand.UNKNOWN),
        ("3590000000000000", CardBrand.UNKNOWN),
        ("30000000000004", CardBrand.DINERS),
        ("30500000000000", CardBrand.DINERS),
        ("30600000000000", CardBrand.UNKNOWN),
        ("36000000000000", CardBrand.DINERS),
        ("38000000000000", CardBrand.DINERS),
        ("39000000000000", CardBrand.DINERS),
        ("6011000990139424", CardBrand.DISCOVER),
        ("6440000000000000", CardBrand.DISCOVER),
        ("6490000000000000", CardBrand.DISCOVER),
        ("6430000000000000", CardBrand.UNKNOWN),
        ("6500000000000000", CardBrand.DISCOVER),
        ("6200000000000000", CardBrand.UNIONPAY),
        ("9410000000000000", CardBrand.KOREAN_DOMESTIC),
        ("1234567890123456", CardBrand.UNKNOWN),
        ("", CardBrand.UNKNOWN),
        ("4111 1111", CardBrand.UNKNOWN),  # digits only
        ("３７", CardBrand.UNKNOWN),  # not ASCII
    ],
)
def test_brand_of(digits: str, expected: CardBrand) -> None:
    assert brand_of(digits) is expected


# The IIN prefixes as documented, written out from the sources rather than taken from the
# code: FACTS.md "Card numbers", plus issue 9's additions (UnionPay 81, JCB 1800 and 2131,
# Diners 3095). Ranges are inclusive.
DOCUMENTED_PREFIXES: dict[CardBrand, list[str]] = {
    CardBrand.VISA: ["4"],
    CardBrand.MASTERCARD: [*map(str, range(51, 56)), *map(str, range(2221, 2721))],
    CardBrand.AMEX: ["34", "37"],
    CardBrand.JCB: [*map(str, range(3528, 3590)), "1800", "2131"],
    CardBrand.DINERS: [*map(str, range(300, 306)), "3095", "36", "38", "39"],
    CardBrand.DISCOVER: ["6011", *map(str, range(644, 650)), "65"],
    CardBrand.UNIONPAY: ["62", "81"],
    CardBrand.KOREAN_DOMESTIC: ["9"],
}


def documented_brand(digits: str) -> CardBrand:
    """The brand whose documented prefix is the longest one `digits` starts with."""
    matches = [
        (len(prefix), brand)
        for brand, prefixes in DOCUMENTED_PREFIXES.items()
        for prefix in prefixes
        if digits.startswith(prefix)
    ]
    return max(matches, key=lambda match: match[0])[1] if matches else CardBrand.UNKNOWN


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("8100000000000000", CardBrand.UNIONPAY),
        ("8171999927660000", CardBrand.UNIONPAY),
        ("8000000000000000", CardBrand.UNKNOWN),
        ("8200000000000000", CardBrand.UNKNOWN),
        ("180000000000000", CardBrand.JCB),
        ("1801000000000000", CardBrand.UNKNOWN),
        ("213100000000000", CardBrand.JCB),
        ("2130000000000000", CardBrand.UNKNOWN),
        ("2132000000000000", CardBrand.UNKNOWN),
        ("30950000000000", CardBrand.DINERS),
        ("30940000000000", CardBrand.UNKNOWN),
        ("30960000000000", CardBrand.UNKNOWN),
    ],
)
def test_the_brands_added_in_issue_9(digits: str, expected: CardBrand) -> None:
    assert brand_of(digits) is expected


@pytest.mark.parametrize("brand", list(DOCUMENTED_PREFIXES))
def test_every_documented_prefix_names_its_brand(brand: CardBrand) -> None:
    for prefix in DOCUMENTED_PREFIXES[brand]:
        for digits in (prefix.ljust(16, "0"), prefix.ljust(16, "9"), prefix.ljust(19, "5")):
            assert brand_of(digits) is brand, digits


def test_every_four_digit_start_has_the_documented_brand() -> None:
    """All 10,000 starts: a number is the brand of its longest documented prefix, or none."""
    wrong = [
        start
        for start in (f"{n:04d}" for n in range(10_000))
        if brand_of(start + "000000000000") is not documented_brand(start)
    ]
    assert wrong == []


@pytest.mark.parametrize("brand", list(CardBrand))
def test_every_brand_has_a_label_in_both_languages(brand: CardBrand) -> None:
    assert brand.label.ko
    assert brand.label.en


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        *[(number, True) for number in TEST_NUMBERS[:4]],
        ("4111111111111112", False),
        ("5555555555554440", False),
        ("371449635398432", False),
        ("79927398713", True),
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("4111 1111 1111 1111", False),  # digits only
    ],
)
def test_luhn(digits: str, expected: bool) -> None:
    assert luhn_ok(digits) is expected


@pytest.mark.parametrize(
    ("text", "masked", "last4", "length", "brand", "luhn_valid"),
    [
        ("4111111111111111", "•••• •••• •••• 1111", "1111", 16, CardBrand.VISA, True),
        ("5555 5555-5555 4444", "•••• •••• •••• 4444", "4444", 16, CardBrand.MASTERCARD, True),
        ("３７１４ ４９６３５３ ９８４３１", "•••• •••••• •8431", "8431", 15, CardBrand.AMEX, True),
        ("371449635398432", "•••• •••••• •8432", "8432", 15, CardBrand.AMEX, False),
        # Other than Amex's 4-6-5, groups of four counted from the end: the last four
        # digits are always one group, on 13-, 14-, 15- and 19-digit numbers too.
        ("411111111111111", "••• •••• •••• 1111", "1111", 15, CardBrand.VISA, False),
        ("30569309025904", "•• •••• •••• 5904", "5904", 14, CardBrand.DINERS, True),
        ("4222222222222", "• •••• •••• 2222", "2222", 13, CardBrand.VISA, True),
        ("6212345678901232123", "••• •••• •••• •••• 2123", "2123", 19, CardBrand.UNIONPAY, False),
        ("card: 4012-8888-8888-1881", "•••• •••• •••• 1881", "1881", 16, CardBrand.VISA, True),
        ("1234", "1234", "1234", 4, CardBrand.UNKNOWN, False),
    ],
)
def test_card_number(
    text: str, masked: str, last4: str, length: int, brand: CardBrand, luhn_valid: bool
) -> None:
    card = CardNumber(text)
    assert card.masked() == masked
    assert (card.last4, card.length, card.brand, card.luhn_valid) == (
        last4,
        length,
        brand,
        luhn_valid,
    )


@pytest.mark.parametrize("text", ["", "   ", "card number", "--/--", "四"])
def test_card_number_needs_digits(text: str) -> None:
    with pytest.raises(ValueError, match="no digits"):
        CardNumber(text)


def test_text_forms_are_the_masked_number() -> None:
    card = CardNumber("5555555555554444")
    masked = "•••• •••• •••• 4444"
    assert str(card) == masked
    assert f"{card}" == masked
    assert format(card) == masked
    assert "%s" % card == masked  # noqa: UP031 (the %-operator is what is tested)
    assert repr(card) == f"CardNumber('{masked}')"
    assert f"{card:>21}" == f"  {masked}"


@pytest.mark.parametrize("number", TEST_NUMBERS)
def test_no_run_of_the_number_in_any_text_form(number: str) -> None:
    card = CardNumber(" ".join(number[i : i + 4] for i in range(0, len(number), 4)))
    model = Payment(card=card, holder="HONG GILDONG")
    texts = [
        str(card),
        repr(card),
        format(card),
        f"{card}",
        f"{card!r}",
        f"{card:^40}",
        f"{[card]}",
        f"{ {'card': card} }",
        model.model_dump_json(),
        str(model.model_dump(mode="json")),
        str(model.model_dump()),
        repr(model),
        str(model),
        repr(model.model_copy(deep=True)),
    ]
    for text in texts:
        assert card.last4 in text.replace(" ", "")
        assert_no_run_of_the_number(text, number)


def _pickle(card: CardNumber) -> object:
    return pickle.dumps(card)


def _state(card: CardNumber) -> object:
    return card.__getstate__()


def _reduce(card: CardNumber) -> object:
    return card.__reduce_ex__(2)


def _vars(card: CardNumber) -> object:
    return vars(card)


def _unknown_format(card: CardNumber) -> object:
    return f"{card:d}"


@pytest.mark.parametrize(
    "leak_attempt",
    [_pickle, _state, _reduce, _vars, _unknown_format],
)
def test_attempts_to_get_the_digits_fail_without_them(
    leak_attempt: Callable[[CardNumber], object],
) -> None:
    number = "4111111111111111"
    with pytest.raises((TypeError, ValueError)) as caught:
        leak_attempt(CardNumber(number))
    assert_no_run_of_the_number(str(caught.value), number)
    assert_no_run_of_the_number(repr(caught.value), number)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_is_refused_at_every_protocol(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Payment(card="4111111111111111", holder="x"), protocol=protocol)


def test_the_digits_are_not_an_attribute() -> None:
    card = CardNumber("4111111111111111")
    public = [name for name in dir(card) if not name.startswith("_")]
    assert sorted(public) == ["brand", "last4", "length", "luhn_valid", "masked"]
    for name in public:
        assert_no_run_of_the_number(str(getattr(card, name)), "4111111111111111")


def test_copies_are_the_same_object() -> None:
    card = CardNumber("4111111111111111")
    assert copy.copy(card) is card
    assert copy.deepcopy(card) is card


def test_logging_shows_the_masked_number(caplog: pytest.LogCaptureFixture) -> None:
    card = CardNumber("4012888888881881")
    logger = logging.getLogger("tests.domain.card")
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("card %s", card)
        logger.info("card %r", card)
        logger.info("payment %s", Payment(card=card, holder="x"))
    assert caplog.text.count("1881") == 3
    assert_no_run_of_the_number(caplog.text, "4012888888881881")


@pytest.mark.parametrize(
    "card_input",
    ["4111 1111 1111 1111", CardNumber("4111111111111111")],
)
def test_pydantic_field_validates_text_or_a_card_number(card_input: str | CardNumber) -> None:
    payment = Payment.model_validate({"card": card_input, "holder": "x"})
    assert isinstance(payment.card, CardNumber)
    assert payment.card.last4 == "1111"
    assert payment.card.luhn_valid
    if isinstance(card_input, CardNumber):
        assert payment.card is card_input


def test_pydantic_json_round_trip_is_masked() -> None:
    payment = Payment.model_validate_json('{"card": "4111111111111111", "holder": "x"}')
    assert payment.card.brand is CardBrand.VISA
    assert payment.model_dump_json() == '{"card":"•••• •••• •••• 1111","holder":"x"}'
    assert payment.model_dump(mode="json") == {"card": "•••• •••• •••• 1111", "holder": "x"}
    assert payment.model_dump()["card"] is payment.card


@pytest.mark.parametrize(
    "build",
    [
        lambda: Payment.model_validate({"card": 4111111111111111, "holder": "x"}),
        lambda: Payment.model_validate({"card": 4.111111111111111e15, "holder": "x"}),
        lambda: Payment.model_validate({"card": b"4111111111111111", "holder": "x"}),
        lambda: Payment.model_validate({"card": ["4111111111111111"], "holder": "x"}),
        lambda: Payment.model_validate_json('{"card": 4111111111111111, "holder": "x"}'),
        lambda: Payment.model_validate({"card": "4111111111111111", "holder": 7}),
        # A model-level error repeats the whole input: pass a CardNumber, not the text.
        lambda: Payment.model_validate({"card": CardNumber("4111111111111111")}),
        lambda: Payment.model_validate({"card": "no digits", "holder": "x"}),
    ],
)
def test_validation_errors_do_not_repeat_the_number(build: Callable[[], Payment]) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    error = caught.value
    for text in (str(error), repr(error), error.json(), str(error.errors())):
        assert_no_run_of_the_number(text, "4111111111111111")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/19", Expiry(4, 2019)),
        ("04 / 19", Expiry(4, 2019)),
        ("0419", Expiry(4, 2019)),
        ("04/2019", Expiry(4, 2019)),
        ("０４／１９", Expiry(4, 2019)),
        (" 12/30 ", Expiry(12, 2030)),
        ("4/27", Expiry(4, 2027)),
        ("04-27", Expiry(4, 2027)),
        ("01/00", Expiry(1, 2000)),
        ("13/19", None),
        ("00/19", None),
        ("1319", None),
        ("04/0019", None),
        ("", None),
        ("  ", None),
        ("04/", None),
        ("04/1", None),
        ("04/195", None),
        ("041", None),
        ("valid thru", None),
        ("04/19/20", None),
    ],
)
def test_parse_expiry(text: str, expected: Expiry | None) -> None:
    assert parse_expiry(text) == expected


@pytest.mark.parametrize(
    ("expiry", "display"),
    [(Expiry(4, 2019), "04/19"), (Expiry(12, 2030), "12/30"), (Expiry(1, 2100), "01/00")],
)
def test_expiry_display(expiry: Expiry, display: str) -> None:
    assert expiry.display == display


@pytest.mark.parametrize(
    ("today", "expired"),
    [
        (date(2019, 3, 31), False),
        (date(2019, 4, 1), False),
        (date(2019, 4, 30), False),  # valid through the last day of the month
        (date(2019, 5, 1), True),
        (date(2020, 1, 1), True),
        (date(2018, 12, 31), False),
    ],
)
def test_expiry_is_expired(today: date, expired: bool) -> None:
    assert Expiry(4, 2019).is_expired(today) is expired


@pytest.mark.parametrize(("month", "year"), [(0, 2019), (13, 2019), (4, 19), (4, 10000)])
def test_expiry_rejects_impossible_dates(month: int, year: int) -> None:
    with pytest.raises(ValueError, match=r"month|year"):
        Expiry(month, year)


def test_expiry_is_immutable() -> None:
    expiry = Expiry(4, 2019)
    with pytest.raises(FrozenInstanceError):
        expiry.month = 5  # type: ignore[misc]

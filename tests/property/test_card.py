"""Card masking: however a number is written, no text form of it shows more than the last four."""

import copy
import json
import pickle
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bot.domain.card import MASK, CardBrand, CardNumber, brand_of, luhn_ok
from tests.property.strategies import written
from tests.support.leaks import card_number_runs

PROPERTY = settings(max_examples=200, deadline=None)
CARD_DIGITS = st.from_regex(r"[0-9]{12,19}", fullmatch=True)
# What OCR or a person may put around or between the digits.
CARD_SEPARATORS = ("", " ", "-", "  ", " - ", ".", "/", "\u200b", "\u3000", "－", "\n")
FORMAT_SPECS = ("", "s", ">30", "<30", "^40", "*^40", ".8", "!>25")


class Payment(BaseModel):
    card: CardNumber


def text_forms(card: CardNumber) -> list[str]:
    payment = Payment(card=card)
    forms = [
        card.masked(),
        str(card),
        repr(card),
        f"{card!r}",
        repr(payment),
        str(payment),
        payment.model_dump_json(),
        json.dumps(payment.model_dump(mode="json"), ensure_ascii=False),
        repr(payment.model_dump()),
        repr([card]),
    ]
    return forms + [format(card, spec) for spec in FORMAT_SPECS]


@PROPERTY
@given(st.data(), CARD_DIGITS, st.text(max_size=8), st.text(max_size=8))
def test_no_text_form_shows_more_than_four_digits_in_a_row(
    data: st.DataObject, digits: str, before: str, after: str
) -> None:
    text = before + data.draw(written(digits, CARD_SEPARATORS)) + after
    card = CardNumber(text)
    read = card_digits_of(text)  # digits in the text around the number join it
    assert digits in read
    for form in text_forms(card):
        assert card_number_runs(form, read) == [], form


@PROPERTY
@given(st.data(), CARD_DIGITS)
def test_the_mask_keeps_exactly_the_length_brand_check_and_last_four(
    data: st.DataObject, digits: str
) -> None:
    card = CardNumber(data.draw(written(digits, CARD_SEPARATORS)))
    masked = card.masked()
    assert masked.replace(" ", "") == MASK * (len(digits) - 4) + digits[-4:]
    assert (card.length, card.last4) == (len(digits), digits[-4:])
    assert card.brand is brand_of(digits)
    assert card.luhn_valid is luhn_ok(digits)
    groups = [len(group) for group in masked.split(" ")]
    if card.brand is CardBrand.AMEX and len(digits) == 15:
        assert groups == [4, 6, 5]
    else:  # by four from the end: the last four digits are one group
        assert all(size == 4 for size in groups[1:])
        assert 1 <= groups[0] <= 4
        assert masked.split(" ")[-1] == digits[-4:]


@PROPERTY
@given(CARD_DIGITS)
def test_copies_and_pickles_carry_no_digits(digits: str) -> None:
    card = CardNumber(digits)
    assert copy.copy(card) is card
    assert copy.deepcopy({"card": card})["card"] is card
    with pytest.raises(TypeError) as refused:
        pickle.dumps(card)
    assert card_number_runs(str(refused.value), digits) == []


@PROPERTY
@given(st.text(max_size=30))
def test_any_text_makes_a_card_number_or_a_value_error_without_the_text(text: str) -> None:
    try:
        card = CardNumber(text)
    except ValueError as error:
        assert not card_digits_of(text)
        assert str(error) == "the card number text has no digits"
    else:
        assert card.length == len(card_digits_of(text))


@PROPERTY
@given(st.one_of(st.integers(), st.floats(), st.binary(max_size=20), st.lists(st.integers())))
def test_pydantic_errors_for_other_inputs_do_not_repeat_them(value: object) -> None:
    with pytest.raises(ValidationError) as failed:
        Payment.model_validate({"card": value})
    error = str(failed.value)
    assert f"input_value=<{type(value).__name__} withheld>" in error
    assert f"input_value={value!r}" not in error


def card_digits_of(text: str) -> str:
    """The ASCII digits CardNumber reads from `text` (after NFKC), written out independently."""
    return "".join(char for char in unicodedata.normalize("NFKC", text) if char in "0123456789")

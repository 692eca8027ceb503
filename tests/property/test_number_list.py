"""Properties of the `/bizstatus` argument split, for any text a person could type."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import bizno
from bot.domain.number_list import split_numbers
from tests.property.strategies import NUMBER_SEPARATORS, VALID_BIZNO, written

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

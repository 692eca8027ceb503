"""Hypothesis strategies shared by the property tests: numbers as people and OCR write them,
and text crafted to harm."""

from hypothesis import strategies as st

# What may stand between the digits of a number someone typed or OCR read.
NUMBER_SEPARATORS = ("", " ", "-", ".", "‐", "‒", "–", "—", "―", "−", "－", "\u3000", "\t")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def written(draw: st.DrawFn, digits: str, separators: tuple[str, ...] = NUMBER_SEPARATORS) -> str:
    """`digits` with a separator of the given kinds between any two, some digits full width."""
    parts = [digits[0]]
    for digit in digits[1:]:
        parts.append(draw(st.sampled_from(separators)))
        parts.append(digit)
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    return text


def bizno_check_digit(nine: str) -> str:
    """The check digit as FACTS.md states the rule, written apart from bot.domain.bizno."""
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(w * int(d) for w, d in zip(weights, nine, strict=True)) + int(nine[8]) * 5 // 10
    return str((10 - total % 10) % 10)


def luhn_number(body: str) -> str:
    """`body` with its Luhn check digit appended, computed apart from the bot's code."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str(-total % 10)


# Card numbers of 13 to 19 digits whose Luhn check digit holds.
LUHN_CARDS = st.from_regex(r"[0-9]{12,18}", fullmatch=True).map(luhn_number)


def issuable(digits: str) -> bool:
    """Whether a tax office could issue the number (issue 11, written apart from bizno):
    office code 101 and up, kind of business not 00, serial not 0000."""
    return int(digits[:3]) >= 101 and digits[3:5] != "00" and digits[5:9] != "0000"


VALID_BIZNO = (
    st.from_regex(r"[0-9]{9}", fullmatch=True)
    .map(lambda n: n + bizno_check_digit(n))
    .filter(issuable)
)


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
HOSTILE_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=25).map("".join),
)

"""What inert external text is in mrkdwn, with invisibility decided by Unicode category."""

import re
import unicodedata

_MENTION_OR_LINK = re.compile(r"<[!@#]|<https?:|<mailto:")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")


def invisible(char: str) -> bool:
    """A character that reorders or hides text: any format character (bidi controls,
    zero-width characters, tag characters) or a control character other than tab and line ends.
    """
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in "\t\n\r")


def assert_visible(text: str) -> None:
    assert not [char for char in text if invisible(char)], text


def assert_inert(text: str) -> None:
    """Nothing Slack would parse as a mention, a channel, a link or a broken entity."""
    assert "<" not in text, text
    assert ">" not in text, text
    assert not _MENTION_OR_LINK.search(text), text
    assert "&" not in _ENTITY.sub("", text), text  # every & starts a whole entity
    assert_visible(text)

"""Making text the bot did not write safe to show in Slack.

Slack parses `<...>` in mrkdwn as mentions (`<!channel>`, `<@U…>`), channel links
and links whose label can hide their target (`<https://evil|국민은행>`); `&`, `<`
and `>` must be escaped. OCR text can also carry bidi controls that reorder what
is shown, and zero-width characters that hide it.

Formatting: `literal()` is the one way external text enters mrkdwn. It swaps
Slack's formatting markers `*` `_` `~` and the backtick for their full-width
forms (＊ ＿ ～ ｀), so a value can never turn bold, italic, struck or into code,
nor open a code block that swallows the rest of a message; and it makes the
value one line, with a leading `>` shown full width, so it cannot start a quote
or fake a line of the bot's own. Korean text uses full-width forms anyway, and
certificate values practically never contain these characters; wrapping every
value in backticks was the alternative, but inline code paints the whole reply
in red monospace. Every mrkdwn object is also sent with `verbatim: true`, so
Slack does not turn bare URLs or `#channel` names in a value into links.
"""

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from bot.domain import pan

ELLIPSIS = "…"

# Format characters (category Cf) are invisible by definition: bidi embeddings,
# overrides, isolates and marks, zero-width spaces and joiners, the BOM, and the
# tag characters that can carry a whole hidden sentence. Control characters (Cc)
# no value needs; tab and line ends are whitespace, handled separately.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc"})
_KEPT_CONTROLS = frozenset("\t\n\r")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_FORMATTING = str.maketrans({"*": "＊", "_": "＿", "~": "～", "`": "｀"})
_LONGEST_ENTITY = len("&amp;")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
# Conversation ids as Slack writes them: nothing that could close <#…> or add a label to it.
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9_]{2,}")
KST = timezone(timedelta(hours=9), "KST")


def clean(text: str) -> str:
    """Remove the characters that reorder or hide text.

    >>> clean("abc\\u202edcba\\u200b\\U000e0041")
    'abcdcba'
    """
    return "".join(
        char
        for char in text
        if unicodedata.category(char) not in _INVISIBLE_CATEGORIES or char in _KEPT_CONTROLS
    )


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` for mrkdwn (nothing else), after `clean` and `pan.mask`.

    >>> escape("<!channel> & <@U123>")
    '&lt;!channel&gt; &amp; &lt;@U123&gt;'
    """
    return pan.mask(clean(text)).translate(_ESCAPES)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending with … when cut.

    Never cuts inside an escape entity (`&amp;`) or a token the bot wrote
    (`<@U…>`, `<!date…>`, `<https://…|…>`): external `<` is always escaped, so
    an unclosed `<` can only be the start of one.

    >>> truncate("a &amp; b", 4)
    'a …'
    >>> truncate("short", 10)
    'short'
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and entity > len(cut) - _LONGEST_ENTITY and ";" not in cut[entity:]:
        cut = cut[:entity]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return cut + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Text for a plain_text object: cleaned, masked and cut to `limit`; Slack does not
    parse it.

    >>> plain("사업자등록증\\u200b", 3)
    '사업…'
    >>> plain("card_4556-0767-6001-6584.jpg", 20)
    'card_•••• •••• ••••…'
    """
    return truncate(pan.mask(clean(text)), limit)


def literal(text: str, limit: int) -> str:
    """External text for mrkdwn: one inert line, escaped and cut to `limit` (see above).

    Card numbers are masked before the cut, which could otherwise leave a number too
    short for anything after it to recognise.

    >>> literal("*굵게* <!here>", 100)
    '＊굵게＊ &lt;!here&gt;'
    >>> literal("> 인용\\n둘째 줄", 100)
    '＞ 인용 둘째 줄'
    """
    line = pan.mask(" ".join(clean(text).split())).translate(_FORMATTING)
    if line.startswith(">"):
        line = "＞" + line[1:]
    return truncate(line.translate(_ESCAPES), limit)


def mention(user_id: str) -> str:
    """`<@U…>` for a user id that looks like one; anything else is shown inert.

    >>> mention("U024BE7LH")
    '<@U024BE7LH>'
    >>> mention("U1> <!channel")
    'U1&gt; &lt;!channel'
    """
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return literal(user_id, 100)


def channel_mention(channel_id: str) -> str | None:
    """`<#C…>` for a channel id (public or private); None for anything else, such as a
    direct message's `D…`, whose mention would mean nothing to others.

    >>> channel_mention("C024BE91L")
    '<#C024BE91L>'
    >>> channel_mention("C1|evil>") is None, channel_mention("D024BE91L") is None
    (True, True)
    """
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else None


def link(url: str, label: str) -> str | None:
    """`<url|label>` for an https URL that cannot break out of the link; else None.

    >>> link("https://acme.slack.com/archives/C1/p1", "원본 메시지")
    '<https://acme.slack.com/archives/C1/p1|원본 메시지>'
    >>> link("javascript:alert(1)", "x") is None
    True
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or re.search(r"[|<>\s]", url):
        return None
    return f"<{url}|{literal(label, 200)}>"


def date(moment: datetime) -> str:
    """A Slack date token: each reader sees it in their own time zone and language.

    The fallback, for clients that cannot render it, is Korean time.

    >>> date(datetime(2024, 5, 1, 5, 3, tzinfo=UTC))
    '<!date^1714539780^{date_short_pretty} {time}|2024-05-01 14:03 KST>'
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    fallback = aware.astimezone(KST).strftime("%Y-%m-%d %H:%M KST")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"

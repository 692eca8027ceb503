"""Asking what an upload is when the bot cannot tell, and the answer that replaces the question."""

from bot.blocks import ids
from bot.blocks.elements import NAME_CHARS, actions, button, file_line, section
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import mention, plain
from bot.i18n import Language, Text

_QUESTION = Text(
    ko="📎 *어떤 문서인가요?*\n아래 파일을 무엇으로 읽을지 골라 주세요.",
    en="📎 *What is this file?*\nChoose how to read the file below.",
)
_FALLBACK = Text(ko="어떤 문서인가요? {file}", en="What is this file? {file}")
_BUSINESS = Text(ko="사업자등록증", en="Business registration")
_CARD = Text(ko="신용카드", en="Credit card")
_IGNORE = Text(ko="무시", en="Ignore")
_CHOSEN_BUSINESS = Text(
    ko="⏳ {user}님이 *사업자등록증*으로 골랐습니다. 읽는 중입니다…",
    en="⏳ {user} chose *business registration certificate*. Reading it now…",
)
_CHOSEN_CARD = Text(
    ko="⏳ {user}님이 *신용카드*로 골랐습니다. 읽는 중입니다…",
    en="⏳ {user} chose *credit card*. Reading it now…",
)
_IGNORED = Text(
    ko="🚫 {user}님이 이 파일을 읽지 않기로 했습니다.",
    en="🚫 {user} chose not to read this file.",
)
_FALLBACK_BUSINESS = Text(ko="사업자등록증으로 읽는 중입니다…", en="Reading the certificate…")
_FALLBACK_CARD = Text(ko="신용카드로 읽는 중입니다…", en="Reading the card…")
_FALLBACK_IGNORED = Text(ko="이 파일은 읽지 않습니다.", en="This file will not be read.")

_CHOSEN = {
    "business": (_CHOSEN_BUSINESS, _FALLBACK_BUSINESS),
    "card": (_CHOSEN_CARD, _FALLBACK_CARD),
    None: (_IGNORED, _FALLBACK_IGNORED),
}


def kind_prompt(job_id: int, file_name: str, lang: Language) -> Message:
    value = str(job_id)
    blocks = [
        section(f"{_QUESTION(lang)}\n{file_line(file_name)}", block_id=ids.KIND_PROMPT_BLOCK),
        actions(
            ids.KIND_CHOICE_BLOCK,
            button(_BUSINESS(lang), action_id=ids.CHOOSE_KIND_BUSINESS, value=value),
            button(_CARD(lang), action_id=ids.CHOOSE_KIND_CARD, value=value),
            button(_IGNORE(lang), action_id=ids.CHOOSE_KIND_IGNORE, value=value),
        ),
    ]
    fallback = _FALLBACK.format(file=plain(file_name, NAME_CHARS))(lang)
    return compose(fallback, blocks, lang)


def kind_chosen(kind: str | None, user_id: str, lang: Language) -> Message:
    """What replaces the prompt after a click; `kind` is "business", "card" or None (ignored)."""
    if kind not in _CHOSEN:
        raise ValueError(f"unknown document kind: {kind!r}")
    text, fallback = _CHOSEN[kind]
    return compose(fallback(lang), [section(text.format(user=mention(user_id))(lang))], lang)

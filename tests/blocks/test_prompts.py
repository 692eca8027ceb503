import pytest

from bot.blocks import ids
from bot.blocks.prompts import kind_chosen, kind_prompt
from bot.i18n import Language
from tests.blocks.inert import HOSTILE, LONG, assert_inert


@pytest.mark.parametrize(
    ("lang", "question", "labels", "fallback"),
    [
        (
            Language.KO,
            "📎 *어떤 문서인가요?*\n아래 파일을 무엇으로 읽을지 골라 주세요.\n📄 scan.jpg",
            ["사업자등록증", "신용카드", "무시"],
            "어떤 문서인가요? scan.jpg",
        ),
        (
            Language.EN,
            "📎 *What is this file?*\nChoose how to read the file below.\n📄 scan.jpg",
            ["Business registration", "Credit card", "Ignore"],
            "What is this file? scan.jpg",
        ),
    ],
)
def test_the_prompt_asks_with_three_buttons_carrying_the_job_id(
    lang: Language, question: str, labels: list[str], fallback: str
) -> None:
    message = kind_prompt(42, "scan.jpg", lang)
    prompt, choice = message.blocks
    assert prompt["block_id"] == ids.KIND_PROMPT_BLOCK
    assert prompt["text"]["text"] == question
    assert choice["block_id"] == ids.KIND_CHOICE_BLOCK
    assert [button["text"]["text"] for button in choice["elements"]] == labels
    assert [button["action_id"] for button in choice["elements"]] == [
        ids.CHOOSE_KIND_BUSINESS,
        ids.CHOOSE_KIND_CARD,
        ids.CHOOSE_KIND_IGNORE,
    ]
    assert {button["value"] for button in choice["elements"]} == {"42"}
    assert message.text == fallback
    assert_inert(message)


@pytest.mark.parametrize("file_name", [HOSTILE, LONG, "5555 5555 5555 4444.jpg"])
def test_the_file_name_is_inert_short_and_never_a_card_number(file_name: str) -> None:
    message = kind_prompt(7, file_name, Language.KO)
    assert_inert(message)
    assert "5555 5555" not in message.blocks[0]["text"]["text"]
    assert "5555 5555" not in message.text
    assert len(message.blocks[0]["text"]["text"]) < 300


@pytest.mark.parametrize(
    ("kind", "lang", "text", "fallback"),
    [
        (
            "business",
            Language.KO,
            "⏳ <@U024BE7LH>님이 *사업자등록증*으로 골랐습니다. 읽는 중입니다…",
            "사업자등록증으로 읽는 중입니다…",
        ),
        (
            "card",
            Language.KO,
            "⏳ <@U024BE7LH>님이 *신용카드*로 골랐습니다. 읽는 중입니다…",
            "신용카드로 읽는 중입니다…",
        ),
        (
            None,
            Language.KO,
            "🚫 <@U024BE7LH>님이 이 파일을 읽지 않기로 했습니다.",
            "이 파일은 읽지 않습니다.",
        ),
        (
            "business",
            Language.EN,
            "⏳ <@U024BE7LH> chose *business registration certificate*. Reading it now…",
            "Reading the certificate…",
        ),
        (
            "card",
            Language.EN,
            "⏳ <@U024BE7LH> chose *credit card*. Reading it now…",
            "Reading the card…",
        ),
        (
            None,
            Language.EN,
            "🚫 <@U024BE7LH> chose not to read this file.",
            "This file will not be read.",
        ),
    ],
)
def test_the_choice_replaces_the_prompt_without_buttons(
    kind: str | None, lang: Language, text: str, fallback: str
) -> None:
    message = kind_chosen(kind, "U024BE7LH", lang)
    assert [block["text"]["text"] for block in message.blocks] == [text]
    assert message.text == fallback
    assert_inert(message)


def test_a_forged_user_id_is_shown_inert() -> None:
    message = kind_chosen("card", "<!channel>", Language.KO)
    assert message.blocks[0]["text"]["text"].startswith("⏳ &lt;!channel&gt;님이")
    assert_inert(message)


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown document kind: 'receipt'"):
        kind_chosen("receipt", "U024BE7LH", Language.KO)

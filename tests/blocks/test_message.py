from bot.blocks import Message
from bot.blocks.elements import section
from bot.blocks.message import compose
from bot.i18n import Language
from fakes.blockkit import limit_violations


def test_as_kwargs_gives_text_and_blocks_for_any_send_method() -> None:
    message = Message(text="대체 텍스트", blocks=[section("본문")])
    assert message.as_kwargs() == {"text": "대체 텍스트", "blocks": [section("본문")]}


def test_compose_escapes_the_fallback_once_and_removes_invisibles() -> None:
    message = compose("<!channel> &lt; 국민\u202e은행", [section("본문")], Language.KO)
    assert message.text == "&lt;!channel&gt; &amp;lt; 국민은행"


def test_compose_cuts_a_long_fallback_without_breaking_an_entity() -> None:
    message = compose("가" * 2998 + "<<<", [section("본문")], Language.KO)
    assert len(message.text) <= 3000
    assert message.text == "가" * 2998 + "…"


def test_compose_fits_the_blocks() -> None:
    message = compose("t", [section(f"{n}") for n in range(70)], Language.KO)
    assert len(message.blocks) == 50
    assert limit_violations(message.blocks) == []

from datetime import UTC, datetime

import pytest

from bot.blocks import Message
from bot.blocks.notices import bizstatus_help, failure, team_alert, unsupported_file
from bot.domain.status import BusinessStatus, StatusCheck
from bot.i18n import Language, Text
from fakes.blockkit import limit_violations
from tests.blocks.inert import HOSTILE, LONG, assert_inert, rendered

PERMALINK = "https://acme.slack.com/archives/C024BE91L/p1714539780000100"


def check(status: BusinessStatus) -> StatusCheck:
    return StatusCheck(
        number="2208162517", status=status, checked_at=datetime(2024, 5, 1, 5, 3, tzinfo=UTC)
    )


def all_texts(message_blocks: list[dict]) -> list[str]:
    found = []
    for block in message_blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        if block["type"] == "context":
            found += [element["text"] for element in block["elements"]]
    return found


@pytest.mark.parametrize("lang", list(Language))
def test_failure_with_a_file_says_which_and_passes_the_errors_advice(lang: Language) -> None:
    advice = Text(ko="너무 큽니다 <5 MB>", en="Too big <5 MB>")
    message = failure(advice, lang, file_name="scan.pdf")
    said = {Language.KO: "너무 큽니다 &lt;5 MB&gt;", Language.EN: "Too big &lt;5 MB&gt;"}[lang]
    title = {
        Language.KO: "파일을 처리하지 못했습니다",
        Language.EN: "The file could not be processed",
    }[lang]
    assert all_texts(message.blocks) == [f"⚠️ *{title}*\n{said}", "📄 scan.pdf"]
    assert message.text == said
    assert_inert(message)


def test_failure_without_a_file_is_just_the_message() -> None:
    message = failure(Text(ko="한 번에 최대 10개까지", en="Up to 10"), Language.EN, file_name=None)
    assert all_texts(message.blocks) == ["⚠️ Up to 10"]
    assert message.text == "Up to 10"


@pytest.mark.parametrize("file_name", [HOSTILE, LONG, "4111-1111-1111-1111.heic"])
def test_failure_and_unsupported_file_names_are_inert_and_masked(file_name: str) -> None:
    for message in (
        failure(Text(ko="오류", en="Error"), Language.KO, file_name=file_name),
        unsupported_file(file_name, Language.KO),
    ):
        assert_inert(message)
        assert "1111-1111" not in rendered(message)


@pytest.mark.parametrize(
    ("lang", "accepted", "fallback"),
    [
        (
            Language.KO,
            "CSV 파일을 `bizstatus`라는 말과 함께 올리면 됩니다.",
            "읽을 수 없는 파일 형식입니다: contract.docx",
        ),
        (
            Language.EN,
            "upload a CSV file with the word `bizstatus`.",
            "This file type cannot be read: contract.docx",
        ),
    ],
)
def test_unsupported_file_says_what_is_accepted(
    lang: Language, accepted: str, fallback: str
) -> None:
    message = unsupported_file("contract.docx", lang)
    explanation, file_line = all_texts(message.blocks)
    assert explanation.endswith(accepted)
    assert file_line == "📄 contract.docx"
    assert message.text == fallback


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            Language.KO,
            [
                "• `/bizstatus 220-81-62517`: 사업자 한 곳의 상태를 조회합니다.",
                "최대 10개까지 한 번에 조회합니다.",
                "• `/bizstatus help`: 이 도움말을 봅니다.",
                "*채널에 공유*",
            ],
        ),
        (
            Language.EN,
            [
                "• `/bizstatus 220-81-62517`: check one business.",
                "check up to 10 at once, separated by spaces or commas.",
                "• `/bizstatus help`: show this help.",
                "*Share to channel*",
            ],
        ),
    ],
)
def test_bizstatus_help_explains_usage(lang: Language, lines: list[str]) -> None:
    message = bizstatus_help(lang)
    shown = "\n".join(all_texts(message.blocks))
    for line in lines:
        assert line in shown
    assert "/bizstatus" in message.text
    assert limit_violations(message.blocks) == []


@pytest.mark.parametrize(
    ("status", "lang", "title", "badge", "advice"),
    [
        (
            BusinessStatus.CLOSED,
            Language.KO,
            "🔴 폐업한 거래처가 조회되었습니다",
            "*🔴 폐업자*",
            "폐업한 사업자입니다.",
        ),
        (
            BusinessStatus.INACTIVE,
            Language.KO,
            "🟡 휴업 중인 거래처가 조회되었습니다",
            "*🟡 휴업자*",
            "휴업 중인 사업자입니다.",
        ),
        (
            BusinessStatus.CLOSED,
            Language.EN,
            "🔴 A closed business was checked",
            "*🔴 Closed*",
            "This business is closed.",
        ),
        (
            BusinessStatus.VAT_GENERAL,
            Language.EN,
            "🟢 Business status notice",
            "*🟢 Open (VAT general)*",
            None,
        ),
    ],
)
def test_team_alert_names_the_business_status_checker_and_place(
    status: BusinessStatus, lang: Language, title: str, badge: str, advice: str | None
) -> None:
    message = team_alert(
        check(status), lang, trade_name="주식회사 오씨알봇", checked_by="U024BE7LH", where=PERMALINK
    )
    heading, details, *rest = message.blocks
    assert heading["text"]["text"] == title
    labels = {
        Language.KO: ["등록번호", "상호", "상태", "조회한 사람"],
        Language.EN: ["Registration number", "Trade name", "Status", "Checked by"],
    }[lang]
    assert [field["text"] for field in details["fields"]] == [
        f"*{labels[0]}*\n220-81-62517",
        f"*{labels[1]}*\n주식회사 오씨알봇",
        f"*{labels[2]}*\n{badge}",
        f"*{labels[3]}*\n<@U024BE7LH>",
    ]
    if advice is not None:
        assert advice in rest[0]["text"]["text"]
    footer = rest[-1]["elements"][0]["text"]
    label = {Language.KO: "원본 메시지 보기", Language.EN: "View the original message"}[lang]
    assert footer.endswith(f" · <{PERMALINK}|{label}>")
    assert footer.startswith(("조회 <!date^1714539780^", "Checked <!date^1714539780^"))
    assert message.text == f"{title[2:]}: 220-81-62517 (주식회사 오씨알봇)"
    assert_inert(message)


@pytest.mark.parametrize(
    "where",
    [
        None,
        "http://acme.slack.com/archives/C1/p1",
        "https://acme.slack.com/archives/C1/p1|<!channel>",
        "https://evil.example/x>y",
        # Not a channel id either: nothing the bot could write as <#…>.
        "<#C024BE91L>",
        "C024BE91L>|<!channel",
        "C024BE91L\n",
        "c024be91l",
        "#general",
        "C",
        "D024BE91L <!here>",
    ],
)
def test_team_alert_links_only_a_clean_https_permalink(where: str | None) -> None:
    message = team_alert(
        check(BusinessStatus.CLOSED), Language.KO, trade_name=None, checked_by="U1AB", where=where
    )
    footer = message.blocks[-1]["elements"][0]["text"]
    assert "원본 메시지 보기" not in footer
    assert "<http" not in footer
    assert " · " not in footer  # the time of the check alone
    assert_inert(message)


@pytest.mark.parametrize(
    ("lang", "where", "place"),
    [
        (Language.KO, "C024BE91L", "<#C024BE91L>에서"),
        (Language.EN, "C024BE91L", "in <#C024BE91L>"),
        (Language.EN, "G024BE91L", "in <#G024BE91L>"),
        (Language.KO, "D024BE91L", "개인 메시지에서"),
        (Language.EN, "D024BE91L", "in a direct message"),
    ],
)
def test_team_alert_names_the_channel_of_a_lookup_with_no_message_to_link(
    lang: Language, where: str, place: str
) -> None:
    def alert(where: str | None) -> Message:
        return team_alert(
            check(BusinessStatus.CLOSED), lang, trade_name=None, checked_by="U1AB", where=where
        )

    message, nowhere = alert(where), alert(None)
    footer = message.blocks[-1]["elements"][0]["text"]
    # All else as in the alert that names no place, which is inert (assert_inert does not
    # know <#C…> as one of the bot's own tokens, so it is checked here by equality).
    assert footer == nowhere.blocks[-1]["elements"][0]["text"] + f" · {place}"
    assert message.blocks[:-1] == nowhere.blocks[:-1]
    assert message.text == nowhere.text  # the place is in the footer only
    assert_inert(nowhere)
    assert limit_violations(message.blocks) == []


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("hostile", [HOSTILE, LONG, "<https://evil.example|국민은행>", "&lt;"])
def test_team_alert_keeps_a_hostile_trade_name_and_checker_inert(
    lang: Language, hostile: str
) -> None:
    message = team_alert(
        check(BusinessStatus.CLOSED), lang, trade_name=hostile, checked_by=hostile, where=PERMALINK
    )
    assert_inert(message)


@pytest.mark.parametrize(
    ("lang", "unknown"), [(Language.KO, "알 수 없음"), (Language.EN, "Unknown")]
)
@pytest.mark.parametrize("trade_name", [None, "", "\u200b\u202e"])
def test_team_alert_without_a_trade_name(
    lang: Language, unknown: str, trade_name: str | None
) -> None:
    message = team_alert(
        check(BusinessStatus.CLOSED), lang, trade_name=trade_name, checked_by="U1AB", where=None
    )
    assert message.blocks[1]["fields"][1]["text"].endswith(f"\n{unknown}")
    assert message.text.endswith(": 220-81-62517")
    assert_inert(message)

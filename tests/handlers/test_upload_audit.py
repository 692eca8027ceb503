"""Every analysed upload leaves an audit entry: who, what, the outcome; never a card number."""

from bot.store import Store
from fakes.nhn import Reply
from fakes.slack_requests import TEAM_ID, file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import jpeg, png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"


async def audit_entries(bot: RunningBot) -> list[tuple[str | None, str, str, str]]:
    store = await Store.open(f"sqlite:///{bot.database}", migrate=False)
    try:
        entries = await store.audit.recent(TEAM_ID, limit=10)
    finally:
        await store.close()
    return [(e.user_id, e.action, e.subject, e.outcome) for e in reversed(entries)]


async def test_certificate_and_card_uploads_are_audited(bot: RunningBot) -> None:
    bot.nhn.card_number = "4012888888881881"
    certificate = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    card = bot.slack.add_file("card.jpg", jpeg(), "image/jpeg", "jpg", channel=CHANNEL)
    await bot.send.event(file_share_message(certificate, channel=CHANNEL, user="U_ONE"))
    await bot.send.event(file_share_message(card, channel=CHANNEL, user="U_TWO", text="카드"))
    await bot.wait_for("chat.postMessage")
    await bot.wait_for("chat.postEphemeral")

    async def two_entries() -> bool:
        return len(await audit_entries(bot)) == 2

    for _ in range(100):
        if await two_entries():
            break
        await bot.settle(0.05)
    entries = sorted(await audit_entries(bot))
    assert entries == [
        ("U_ONE", "upload_business", "2208162517", "status 01"),
        ("U_TWO", "upload_card", "visa ••••1881", "read"),
    ]


async def test_a_failed_upload_is_audited_with_its_error(bot: RunningBot) -> None:
    bot.nhn.script("business", Reply.error(4000002))
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_ONE"))
    await eventually(lambda: bool(bot.slack.calls_to("chat.postMessage")))
    for _ in range(100):
        if await audit_entries(bot):
            break
        await bot.settle(0.05)
    [(user, action, subject, outcome)] = await audit_entries(bot)
    assert (user, action, subject) == ("U_ONE", "upload_business", file["id"])
    assert outcome == "failed: UnreadableImage"  # what NHN's 4000002 (invalid file) means

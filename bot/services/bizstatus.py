"""`/bizstatus`: look up business numbers typed by a person, share results, re-check.

Each answer goes back through the command's or the click's response_url before the
lookup is audited and the team channel told, so a slow or failing alert never delays
the person's answer.
"""

from typing import assert_never

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.blocks.notices import bizstatus_help, failure
from bot.blocks.status import StatusEntry, shared_numbers, shared_status_results, status_results
from bot.config import Settings
from bot.domain import bizno, pan
from bot.domain.number_list import (
    MAX_NUMBERS,
    AddWatch,
    ExportWatches,
    Help,
    ListWatches,
    LookUp,
    Unwatch,
    parse_command,
)
from bot.domain.status import StatusCheck
from bot.errors import BotError
from bot.i18n import Text
from bot.services.audit import AuditAction, Auditor
from bot.services.notifier import TeamNotifier
from bot.services.status import StatusService
from bot.services.watchlist import WatchlistService
from bot.slack.client import message_place
from bot.slack.response_url import ResponseUrl

TOO_MANY = Text(
    ko="한 번에 최대 {limit}개까지 조회할 수 있습니다 ({count}개 입력). 나누어 조회해 주세요.",
    en="Up to {limit} numbers can be checked at once ({count} given). Please split them up.",
)
NOTHING_TO_SHARE = Text(
    ko="공유할 조회 결과가 없습니다. 다시 조회해 주세요.",
    en="There is no result to share any more. Please run the lookup again.",
)

LookupResult = StatusCheck | BotError


class BizstatusService:
    def __init__(
        self,
        status: StatusService,
        notifier: TeamNotifier,
        watchlist: WatchlistService,
        settings: Settings,
        *,
        auditor: Auditor,
        client: AsyncWebClient,
    ) -> None:
        """`auditor` records every lookup; `client` asks Slack for the permalink of a
        clicked message, for the team alert."""
        self._status = status
        self._notifier = notifier
        self._watchlist = watchlist
        self._auditor = auditor
        self._client = client
        self._lang = settings.language

    async def command(
        self, text: str, answer: ResponseUrl, *, team_id: str, user_id: str, channel_id: str
    ) -> None:
        """Answer `/bizstatus <text>` privately: help, the watchlist subcommands, or one to
        ten lookups in input order.

        A card number typed here is masked before the text is split into numbers: split,
        each group would be echoed on its own, too short for any exit to recognise."""
        command = parse_command(pan.mask(text))
        match command:
            case AddWatch(number, label):
                message = await self._watchlist.watch(
                    team_id, number, label=label or None, user_id=user_id, channel_id=channel_id
                )
            case Unwatch(number):
                message = await self._watchlist.unwatch(team_id, number, user_id=user_id)
            case ListWatches(search, page):
                message = await self._watchlist.list(team_id, search=search, page=page)
            case ExportWatches():
                message = await self._watchlist.export(
                    team_id, user_id=user_id, channel_id=channel_id
                )
            case Help():
                message = bizstatus_help(self._lang)
            case LookUp(numbers):
                message, results = await self._look_up(numbers)
                await answer.send(message, response_type="ephemeral")
                for number, result in results.items():
                    await self._audit("status_lookup", number, result, team_id, user_id)
                # A command leaves no message to link: the alert names its channel.
                await self._announce(results, team_id=team_id, user_id=user_id, where=channel_id)
                return
            case _:
                assert_never(command)
        await answer.send(message, response_type="ephemeral")

    async def recheck(
        self,
        number: str,
        answer: ResponseUrl,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        message_ts: str | None,
    ) -> None:
        """The "Re-check status" button: a fresh lookup, never the cache, shown to the clicker.

        `channel_id` and `message_ts` are where the button was; `message_ts` is None
        for an ephemeral message, which has no permalink.
        """
        try:
            digits = bizno.possible(number)
        except bizno.InvalidBusinessNumber as error:
            # Not looked up, so not audited: the value may be anything a client sent.
            invalid = status_results([(number, error)], self._lang, shareable=False)
            await answer.send(invalid, response_type="ephemeral")
            return
        result: LookupResult
        try:
            result = await self._status.check(digits, fresh=True)
        except BotError as error:
            result = error
        message = status_results([(bizno.format(digits), result)], self._lang, shareable=True)
        await answer.send(message, response_type="ephemeral")
        await self._audit("recheck", digits, result, team_id, user_id)
        if isinstance(result, StatusCheck) and result.status.is_alert:
            # Only an alert needs the place, so only then is Slack asked for a permalink.
            where = (
                await message_place(self._client, channel_id, message_ts) if channel_id else None
            )
            await self._announce({digits: result}, team_id=team_id, user_id=user_id, where=where)

    async def look_up_anyway(
        self, value: str, answer: ResponseUrl, *, team_id: str, user_id: str, channel_id: str
    ) -> None:
        """The "Look it up anyway" button beside a number whose check digit differs: one
        lookup (none when the cache answers), shown to the clicker with the warning.

        The value is read like a typed number: only a possible one is looked up.
        """
        try:
            digits = bizno.possible(value)
        except bizno.InvalidBusinessNumber as error:
            # Not looked up, so not audited: the value may be anything a client sent.
            invalid = status_results([(value, error)], self._lang, shareable=False)
            await answer.send(invalid, response_type="ephemeral")
            return
        result: LookupResult
        try:
            result = await self._status.check(digits)
        except BotError as error:
            result = error
        message = status_results([(bizno.format(digits), result)], self._lang, shareable=True)
        await answer.send(message, response_type="ephemeral")
        await self._audit("status_lookup", digits, result, team_id, user_id)
        await self._announce({digits: result}, team_id=team_id, user_id=user_id, where=channel_id)

    async def share(self, value: str, answer: ResponseUrl, *, user_id: str) -> None:
        """Post the last recorded status of each number on a Share button to the channel,
        replacing the private copy.

        The value is the clicker's to forge, so it only names numbers: the statuses and
        times come from the bot's own status history, the one the private answer was
        read from or written to (or a later check's). Nothing is looked up again. When
        none of the numbers is known, or the value is not one the bot made, the private
        copy stays and the clicker is told privately.
        """
        numbers = shared_numbers(value)
        known = await self._status.last_known(numbers) if numbers else {}
        entries: list[StatusEntry] = [(bizno.format(n), known[n]) for n in numbers if n in known]
        if not entries:
            nothing = failure(NOTHING_TO_SHARE, self._lang, file_name=None)
            await answer.send(nothing, response_type="ephemeral")
            return
        shared = shared_status_results(entries, self._lang, shared_by=user_id)
        await answer.send(shared, response_type="in_channel")
        await answer.delete_original()

    async def _look_up(self, tokens: tuple[str, ...]) -> tuple[Message, dict[str, LookupResult]]:
        """The answer to `/bizstatus <numbers>`, and each number looked up (ten digits) with
        its result. Invalid numbers are in the answer only: nothing was looked up for them."""
        if len(tokens) > MAX_NUMBERS:
            too_many = TOO_MANY.format(limit=MAX_NUMBERS, count=len(tokens))
            return failure(too_many, self._lang, file_name=None), {}
        parsed: dict[str, str | bizno.InvalidBusinessNumber] = {}
        for token in tokens:
            try:
                digits = bizno.validate(token)
            except bizno.InvalidBusinessNumber as error:
                parsed.setdefault(token, error)
                continue
            if digits not in parsed.values():  # the same number typed twice is looked up once
                parsed[token] = digits
        numbers = [d for d in parsed.values() if isinstance(d, str)]
        results = await self._status.check_many(numbers)  # distinct numbers, in order
        entries: list[StatusEntry] = [
            (raw, results[d] if isinstance(d, str) else d) for raw, d in parsed.items()
        ]
        return status_results(entries, self._lang, shareable=True), results

    async def _audit(
        self, action: AuditAction, number: str, result: LookupResult, team_id: str, user_id: str
    ) -> None:
        await self._auditor.record(
            team_id=team_id,
            user_id=user_id,
            action=action,
            subject=number,
            outcome=_outcome(result),
        )

    async def _announce(
        self, results: dict[str, LookupResult], *, team_id: str, user_id: str, where: str | None
    ) -> None:
        for result in results.values():
            if isinstance(result, StatusCheck):
                await self._notifier.announce(
                    result, team_id=team_id, checked_by=user_id, where=where
                )


def _outcome(result: LookupResult) -> str:
    """A lookup's result for the audit log: the status code, or the kind of failure."""
    if isinstance(result, StatusCheck):
        # A cached answer asked no provider; the log tells the two apart.
        return f"{result.status.value} (cached)" if result.cached else result.status.value
    # The class, not the message: it names the failure and holds nothing typed.
    return f"failed: {type(result).__name__}"

"""`/bizstatus`: look up business numbers typed by a person, share results, re-check.

Each answer goes back through the command's or the click's response_url before the
team channel is told, so a slow or failing alert never delays the person's answer.
"""

import logging
from typing import Any, Literal

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.blocks import Message
from bot.blocks.notices import bizstatus_help, failure
from bot.blocks.status import StatusEntry, shared_entries, shared_status_results, status_results
from bot.config import Settings
from bot.domain import bizno
from bot.domain.number_list import MAX_NUMBERS, split_number_and_label, split_numbers
from bot.errors import UserFacingError
from bot.i18n import Text
from bot.services.analysis import AnalysisService, StatusCheck
from bot.services.notifier import TeamNotifier
from bot.services.watchlist import WatchlistService

log = logging.getLogger(__name__)

TOO_MANY = Text(
    ko="한 번에 최대 {limit}개까지 조회할 수 있습니다 ({count}개 입력). 나누어 조회해 주세요.",
    en="Up to {limit} numbers can be checked at once ({count} given). Please split them up.",
)
NOTHING_TO_SHARE = Text(
    ko="공유할 조회 결과가 없습니다. 다시 조회해 주세요.",
    en="There is no result to share any more. Please run the lookup again.",
)
HELP_WORDS = ("help", "도움말", "?")


class ResponseUrl:
    """Posts answers to a response_url with the retry policy of the app's Web API client.

    Bolt's `respond` posts once, so a 429 or a 503 from Slack would lose the answer.
    The URL is a credential for this one conversation: it never reaches a log.
    """

    def __init__(self, url: str, client: AsyncWebClient) -> None:
        self._webhook = AsyncWebhookClient(url, retry_handlers=client.retry_handlers)

    async def send(
        self,
        message: Message,
        *,
        response_type: Literal["ephemeral", "in_channel"],
        replace_original: bool = False,
    ) -> None:
        await self._post(
            {
                "response_type": response_type,
                "replace_original": replace_original,
                **message.as_kwargs(),
            }
        )

    async def delete_original(self) -> None:
        await self._post({"delete_original": True})

    async def _post(self, body: dict[str, Any]) -> None:
        try:
            response = await self._webhook.send_dict(body)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            log.error("Answer through a response_url failed: %s", type(error).__name__)
            return
        if response.status_code != 200:
            log.error(
                "Answer through a response_url refused: HTTP %s %.100s",
                response.status_code,
                response.body,
            )


class BizstatusService:
    def __init__(
        self,
        analysis: AnalysisService,
        notifier: TeamNotifier,
        watchlist: WatchlistService,
        settings: Settings,
    ) -> None:
        self._analysis = analysis
        self._notifier = notifier
        self._watchlist = watchlist
        self._lang = settings.language

    async def command(
        self, text: str, answer: ResponseUrl, *, team_id: str, user_id: str, channel_id: str
    ) -> None:
        """Answer `/bizstatus <text>` privately: help, the watchlist subcommands, or one to
        ten lookups in input order."""
        verb, _, rest = text.strip().partition(" ")
        match verb.lower():
            case "watch":
                number, label = split_number_and_label(rest)
                message = await self._watchlist.watch(
                    team_id, number, label=label or None, user_id=user_id, channel_id=channel_id
                )
            case "unwatch":
                number, _ = split_number_and_label(rest)
                message = await self._watchlist.unwatch(team_id, number, user_id=user_id)
            case "list":
                message = await self._watchlist.list(team_id)
            case _:
                message, checks = await self._look_up(text)
                await answer.send(message, response_type="ephemeral")
                await self._announce(checks, team_id=team_id, user_id=user_id)
                return
        await answer.send(message, response_type="ephemeral")

    async def recheck(
        self, number: str, answer: ResponseUrl, *, team_id: str, user_id: str
    ) -> None:
        """The "Re-check status" button: a fresh lookup, never the cache, shown to the clicker."""
        try:
            digits = bizno.validate(number)
        except bizno.InvalidBusinessNumber as error:
            invalid = status_results([(number, error)], self._lang, shareable=False)
            await answer.send(invalid, response_type="ephemeral")
            return
        result: StatusCheck | UserFacingError
        try:
            result = await self._analysis.check_status(digits, fresh=True)
        except UserFacingError as error:
            result = error
        message = status_results([(bizno.format(digits), result)], self._lang, shareable=True)
        await answer.send(message, response_type="ephemeral")
        if isinstance(result, StatusCheck):
            await self._announce([result], team_id=team_id, user_id=user_id)

    async def share(self, value: str, answer: ResponseUrl, *, user_id: str) -> None:
        """Post the checks in a Share button's value to the channel, replacing the private copy.

        A value that is not one the bot made leaves the private copy and says so privately.
        """
        entries = shared_entries(value)
        if not entries:
            nothing = failure(NOTHING_TO_SHARE, self._lang, file_name=None)
            await answer.send(nothing, response_type="ephemeral")
            return
        shared = shared_status_results(entries, self._lang, shared_by=user_id)
        await answer.send(shared, response_type="in_channel")
        await answer.delete_original()

    async def _look_up(self, text: str) -> tuple[Message, list[StatusCheck]]:
        """The answer to `/bizstatus <text>`, and the checks made for it."""
        tokens = split_numbers(text)
        if not tokens or tokens[0].lower() in HELP_WORDS:
            return bizstatus_help(self._lang), []
        if len(tokens) > MAX_NUMBERS:
            too_many = TOO_MANY.format(limit=MAX_NUMBERS, count=len(tokens))
            return failure(too_many, self._lang, file_name=None), []
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
        results = dict(zip(numbers, await self._analysis.check_statuses(numbers), strict=True))
        entries: list[StatusEntry] = [
            (raw, results[d] if isinstance(d, str) else d) for raw, d in parsed.items()
        ]
        checks = [result for result in results.values() if isinstance(result, StatusCheck)]
        return status_results(entries, self._lang, shareable=True), checks

    async def _announce(self, checks: list[StatusCheck], *, team_id: str, user_id: str) -> None:
        for check in checks:
            await self._notifier.announce(check, team_id=team_id, checked_by=user_id)

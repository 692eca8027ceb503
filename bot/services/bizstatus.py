"""`/bizstatus`: look up business numbers typed by a person, share results, re-check."""

from bot.blocks import Message
from bot.blocks.notices import bizstatus_help, failure
from bot.blocks.status import StatusEntry, shared_entries, shared_status_results, status_results
from bot.config import Settings
from bot.domain import bizno
from bot.domain.number_list import MAX_NUMBERS, split_numbers
from bot.i18n import Text
from bot.ocr import OcrError
from bot.services.analysis import AnalysisService, StatusCheck
from bot.services.notifier import TeamNotifier

TOO_MANY = Text(
    ko="한 번에 최대 {limit}개까지 조회할 수 있습니다 ({count}개 입력). 나누어 조회해 주세요.",
    en="Up to {limit} numbers can be checked at once ({count} given). Please split them up.",
)
NOTHING_TO_SHARE = Text(
    ko="공유할 조회 결과가 없습니다. 다시 조회해 주세요.",
    en="There is no result to share any more. Please run the lookup again.",
)


class BizstatusService:
    def __init__(
        self, analysis: AnalysisService, notifier: TeamNotifier, settings: Settings
    ) -> None:
        self._analysis = analysis
        self._notifier = notifier
        self._lang = settings.language

    async def command(self, text: str, *, team_id: str, user_id: str) -> Message:
        """Answer `/bizstatus <text>`: help, or one to ten lookups in input order."""
        tokens = split_numbers(text)
        if not tokens or tokens[0].lower() in ("help", "도움말", "?"):
            return bizstatus_help(self._lang)
        if len(tokens) > MAX_NUMBERS:
            return failure(
                TOO_MANY.format(limit=MAX_NUMBERS, count=len(tokens)), self._lang, file_name=None
            )
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
        for result in results.values():
            if isinstance(result, StatusCheck):
                await self._notifier.announce(result, team_id=team_id, checked_by=user_id)
        entries: list[StatusEntry] = [
            (raw, results[d] if isinstance(d, str) else d) for raw, d in parsed.items()
        ]
        return status_results(entries, self._lang, shareable=True)

    async def recheck(self, number: str, *, team_id: str, user_id: str) -> Message:
        """The "Re-check status" button: always a fresh lookup."""
        try:
            digits = bizno.validate(number)
            result: StatusCheck | OcrError = await self._analysis.check_status(digits)
        except bizno.InvalidBusinessNumber as error:
            return status_results([(number, error)], self._lang, shareable=False)
        except OcrError as error:
            result = error
        if isinstance(result, StatusCheck):
            await self._notifier.announce(result, team_id=team_id, checked_by=user_id)
        return status_results([(bizno.format(digits), result)], self._lang, shareable=True)

    def share(self, value: str, *, user_id: str) -> Message:
        """The in-channel copy of results, rebuilt from the Share button's value."""
        entries = shared_entries(value)
        if not entries:
            return failure(NOTHING_TO_SHARE, self._lang, file_name=None)
        return shared_status_results(entries, self._lang, shared_by=user_id)

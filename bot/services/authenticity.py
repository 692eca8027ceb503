"""Certificate authenticity (진위확인): do the details match the National Tax Service register?

Details are asked about in batches of up to 100 per `/validate` call. A certificate
with joint representatives is asked about with each name in turn until one matches
(how NTS matches two names is not documented); one whose company name was read is
asked about with it first and, when that fails, without it, so that the reply can
say whether only the name differs.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from bot.config import Settings
from bot.domain.authenticity import Authenticity, Details, Verdict
from bot.errors import BotError
from bot.nts import (
    MAX_NUMBERS_PER_CALL,
    NtsClient,
    ValidationItem,
    ValidationRequest,
)
from bot.services.status import RateLimiter


@dataclass(frozen=True, slots=True)
class _Attempt:
    index: int  # which of the details asked about
    request: ValidationRequest
    with_name: bool


class AuthenticityChecker:
    """Checks details with NTS `/validate`; `enabled` is False without NTS_SERVICE_KEY.

    Use as `async with AuthenticityChecker.from_settings(settings) as checker: ...`.
    """

    def __init__(self, client: NtsClient | None, limiter: RateLimiter | None = None) -> None:
        self._client = client
        self._limiter = limiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if settings.nts_service_key is None:
            return cls(None)
        return cls(NtsClient(settings), RateLimiter(settings.status_rate_per_s))

    @property
    def enabled(self) -> bool:
        return self._client is not None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def check(self, details: Details) -> Authenticity:
        [answer] = await self.check_many([details])
        return answer

    async def check_many(self, many: Sequence[Details]) -> list[Authenticity]:
        """One answer per details, in order; never raises for NTS's failures.

        Raises RuntimeError when the checker is not enabled: callers look at `enabled`.
        """
        client = self._client
        if client is None:
            raise RuntimeError("authenticity checks need NTS_SERVICE_KEY")
        answers: dict[int, Authenticity] = {}
        plans: dict[int, list[_Attempt]] = {}
        for index, details in enumerate(many):
            if details.missing:
                answers[index] = Authenticity(details, None, missing=details.missing)
            elif details.number is not None and details.opened is not None:
                plans[index] = _plan(index, details.number, details.opened, details)
        while plans:
            attempts = [plan.pop(0) for plan in plans.values()]
            for start in range(0, len(attempts), MAX_NUMBERS_PER_CALL):
                batch = attempts[start : start + MAX_NUMBERS_PER_CALL]
                for attempt, outcome in zip(batch, await self._ask(client, batch), strict=True):
                    details = many[attempt.index]
                    if isinstance(outcome, BotError):
                        answers[attempt.index] = Authenticity(details, None, error=outcome)
                        del plans[attempt.index]
                    elif outcome.matches:
                        verdict = Verdict.MATCH if attempt.with_name else Verdict.NAME_DIFFERS
                        status = None if outcome.status is None else outcome.status.status
                        answers[attempt.index] = Authenticity(details, verdict, status=status)
                        del plans[attempt.index]
                    elif not plans[attempt.index]:
                        answers[attempt.index] = Authenticity(details, Verdict.MISMATCH)
                        del plans[attempt.index]
        return [answers[index] for index in range(len(many))]

    async def _ask(
        self, client: NtsClient, batch: Sequence[_Attempt]
    ) -> list[ValidationItem | BotError]:
        """Per attempt: NTS's answer, or the error that kept the batch from one."""
        if self._limiter is not None:
            await self._limiter.acquire()
        try:
            items = await client.validate([attempt.request for attempt in batch])
        except BotError as error:
            return [error] * len(batch)
        return list(items)


def _plan(index: int, number: str, opened: str, details: Details) -> list[_Attempt]:
    """The requests to try in order until one matches."""
    attempts = [
        _Attempt(
            index,
            ValidationRequest(b_no=number, start_dt=opened, p_nm=name, b_nm=details.name),
            with_name=True,
        )
        for name in details.representatives
    ]
    if details.name:
        attempts += [
            _Attempt(
                index, ValidationRequest(b_no=number, start_dt=opened, p_nm=name), with_name=False
            )
            for name in details.representatives
        ]
    return attempts

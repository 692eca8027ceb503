"""Correct a certificate's details and check them again: the dialog, and what it submits.

The button that opens the dialog carries the details read, but anyone can forge a
button's value: it only pre-fills the dialog, and the check uses what the person
submits. Where to answer comes from the click's own container (which Slack signs) and
travels in the dialog's private_metadata, which only the bot can set; the submission
is accepted only from the person who opened the dialog.
"""

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.authenticity import (
    INPUT_ACTION,
    NAME_INPUT,
    NUMBER_INPUT,
    OPENED_INPUT,
    REPRESENTATIVE_INPUT,
    correction_modal,
    input_errors,
    prefill_of,
    recheck_result,
)
from bot.config import Settings
from bot.domain.authenticity import Details, opening_date, representative_names, typed_number
from bot.services.authenticity import AuthenticityChecker
from bot.services.notifier import TeamNotifier
from bot.slack.client import message_place
from bot.slack.failures import SLACK_FAILURES, describe

log = logging.getLogger(__name__)

_CONVERSATION_ID = re.compile(r"[CGD][A-Z0-9_]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9_]{2,}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a correction is answered, and who may submit it."""

    channel_id: str
    thread_ts: str
    user_id: str

    def metadata(self) -> str:
        return json.dumps({"c": self.channel_id, "t": self.thread_ts, "u": self.user_id})

    @classmethod
    def from_metadata(cls, metadata: str, *, submitted_by: str) -> "Thread | None":
        """The thread the dialog was opened from; None unless it is well formed and
        `submitted_by` is the person who opened it."""
        try:
            carried = json.loads(metadata)
        except ValueError:
            return None
        if not isinstance(carried, dict):
            return None
        channel, ts, user = carried.get("c"), carried.get("t"), carried.get("u")
        if not (
            isinstance(channel, str)
            and isinstance(ts, str)
            and isinstance(user, str)
            and _CONVERSATION_ID.fullmatch(channel)
            and _TS.fullmatch(ts)
            and _USER_ID.fullmatch(user)
            and user == submitted_by
        ):
            return None
        return cls(channel, ts, user)


@dataclass(frozen=True, slots=True)
class Submission:
    details: Details
    thread: Thread


class CorrectionService:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        checker: AuthenticityChecker,
        notifier: TeamNotifier,
        settings: Settings,
    ) -> None:
        self._client = client
        self._checker = checker
        self._notifier = notifier
        self._lang = settings.language

    async def open_dialog(
        self,
        *,
        trigger_id: str,
        value: str,
        user_id: str,
        channel_id: str | None,
        thread_ts: str | None,
    ) -> None:
        """Open the dialog for a click on "Correct and check again" in `channel_id`."""
        if not self._checker.enabled or channel_id is None or thread_ts is None:
            log.info("Correction dialog not opened: checks are off or the click has no thread")
            return
        thread = Thread(channel_id, thread_ts, user_id)
        view = correction_modal(prefill_of(value), thread.metadata(), self._lang)
        try:
            await self._client.views_open(trigger_id=trigger_id, view=view)
        except SLACK_FAILURES as error:
            # The trigger lasts three seconds; the person can click again.
            log.warning("views.open failed: %s", describe(error))

    def read(self, view: dict[str, Any], *, user_id: str) -> Submission | dict[str, str] | None:
        """The submitted details, or the inline errors to show, or None for a submission
        that did not come from a dialog this person opened (nothing is done then)."""
        thread = Thread.from_metadata(str(view.get("private_metadata") or ""), submitted_by=user_id)
        if thread is None:
            log.warning("A correction was submitted with metadata the bot did not set")
            return None
        values = view.get("state", {}).get("values", {})

        def typed(block_id: str) -> str:
            value = values.get(block_id, {}).get(INPUT_ACTION, {}).get("value")
            return value.strip() if isinstance(value, str) else ""

        number = typed_number(typed(NUMBER_INPUT))
        opened = opening_date(typed(OPENED_INPUT))
        names = tuple(
            name[:_NAME_CHARS] for name in representative_names(typed(REPRESENTATIVE_INPUT))
        )
        errors = input_errors(
            number_ok=number is not None,
            date_ok=opened is not None,
            representative_ok=bool(names),
            lang=self._lang,
        )
        if errors:
            return errors
        details = Details(number, opened, names, " ".join(typed(NAME_INPUT).split())[:_NAME_CHARS])
        return Submission(details, thread)

    async def check(self, submission: Submission, *, team_id: str) -> None:
        """Check the submitted details, answer in the thread, and alert on a mismatch."""
        check = await self._checker.check(submission.details)
        thread = submission.thread
        message = recheck_result(check, user_id=thread.user_id, lang=self._lang)
        try:
            await self._client.chat_postMessage(
                channel=thread.channel_id,
                thread_ts=thread.thread_ts,
                unfurl_links=False,
                **message.as_kwargs(),
            )
        except SLACK_FAILURES as error:
            log.warning("A correction's answer was not posted: %s", describe(error))
            return
        await self._notifier.announce_mismatch(
            check,
            team_id=team_id,
            checked_by=thread.user_id,
            trade_name=submission.details.name or None,
            where=await message_place(self._client, thread.channel_id, thread.thread_ts),
        )

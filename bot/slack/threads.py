"""The bot's messages in a Slack thread: a reply, a reaction, a message kept up to date in
place, and finding an earlier reply by its message metadata."""

import logging
from collections.abc import Callable
from typing import Any, Literal, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import message_place
from bot.slack.failures import SLACK_FAILURES, describe

log = logging.getLogger(__name__)

# conversations.replies pages read when looking for an earlier reply, and their size.
_THREAD_PAGES, _THREAD_PAGE_SIZE = 10, 200


class Postable(Protocol):
    """A message as bot.blocks builds it: the arguments of chat.postMessage it fills."""

    def as_kwargs(self) -> dict[str, Any]: ...


async def reply(
    client: AsyncWebClient,
    channel_id: str,
    thread_ts: str,
    message: Postable,
    *,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Post `message` in the thread, links not unfurled; its ts. Raises SLACK_FAILURES."""
    response = await client.chat_postMessage(
        channel=channel_id,
        thread_ts=thread_ts,
        unfurl_links=False,
        metadata=metadata,  # slack_sdk leaves a None out
        **message.as_kwargs(),
    )
    return str(response["ts"])


async def react(
    client: AsyncWebClient,
    channel_id: str,
    ts: str,
    *,
    add: str | None = None,
    remove: str | None = None,
) -> None:
    """Swap reactions on a message. Reactions are progress hints only: a failure is logged,
    never raised, so that it cannot stop an answer."""
    for method, name in ((client.reactions_remove, remove), (client.reactions_add, add)):
        if name is None:
            continue
        try:
            await method(channel=channel_id, timestamp=ts, name=name)
        except SLACK_FAILURES as error:
            log.debug("Reaction %s on %s %s: %s", name, channel_id, ts, describe(error))


async def find_reply(
    client: AsyncWebClient,
    channel_id: str,
    thread_ts: str,
    is_it: Callable[[dict[str, Any]], bool],
) -> str | Literal[False] | None:
    """The ts of the first message of the thread (metadata included) that `is_it`; False
    when the thread holds none, None when Slack could not tell (a failure, or a thread
    longer than is worth reading)."""
    cursor: str | None = None
    try:
        for _ in range(_THREAD_PAGES):
            response = await client.conversations_replies(
                channel=channel_id,
                ts=thread_ts,
                include_all_metadata=True,
                limit=_THREAD_PAGE_SIZE,
                cursor=cursor,
            )
            messages: list[dict[str, Any]] = response.get("messages") or []
            for message in messages:
                if is_it(message):
                    return str(message.get("ts") or "") or None
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return False
    except SLACK_FAILURES as error:
        log.warning("Thread %s in %s could not be read: %s", thread_ts, channel_id, describe(error))
    return None


class InPlaceMessage:
    """The bot's one message in a thread: posted once, then updated in place.

    A Slack failure is logged, not raised: a message that cannot be shown has nowhere
    else to go.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        channel_id: str,
        thread_ts: str,
        *,
        ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """`ts`: a message posted before, by an earlier run, to take up again; `metadata`:
        Slack message metadata for the message when it is first posted."""
        self._client = client
        self.channel_id = channel_id
        self.thread_ts = thread_ts
        self._ts = ts
        self._metadata = metadata

    async def show(self, message: Postable) -> None:
        """Post the message, or replace the one posted before."""
        if self._ts is not None:
            await self.update(message)
            return
        try:
            self._ts = await reply(
                self._client, self.channel_id, self.thread_ts, message, metadata=self._metadata
            )
        except SLACK_FAILURES as error:
            self._log_failure(error)

    async def update(self, message: Postable) -> None:
        """Replace the message posted before; nothing when none was posted."""
        if self._ts is None:
            return
        try:
            await self._client.chat_update(
                channel=self.channel_id, ts=self._ts, **message.as_kwargs()
            )
        except SLACK_FAILURES as error:
            self._log_failure(error)

    async def place(self) -> str:
        """For a team alert: the message's permalink, else the channel."""
        return await message_place(self._client, self.channel_id, self._ts)

    def _log_failure(self, error: BaseException) -> None:
        log.warning("Message in channel %s not shown: %s", self.channel_id, describe(error))

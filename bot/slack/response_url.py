"""Answers through a response_url: the one place a command's or a click's answer is posted."""

import logging
from typing import Any, Literal

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.blocks import Message
from bot.slack.client import masked
from bot.slack.failures import SLACK_FAILURES, describe

log = logging.getLogger(__name__)


class ResponseUrl:
    """Posts answers to a response_url with the retry policy and the connections of the
    app's Web API client.

    Bolt's `respond` posts once, so a 429 or a 503 from Slack would lose the answer.
    The URL is a credential for this one conversation: it never reaches a log. Card
    numbers in the body are masked, as the Web API client masks its calls.
    """

    def __init__(self, url: str, client: AsyncWebClient) -> None:
        self._webhook = AsyncWebhookClient(
            url, retry_handlers=client.retry_handlers, session=client.session
        )

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
            response = await self._webhook.send_dict(masked(body))
        except SLACK_FAILURES as error:
            log.error("Answer through a response_url failed: %s", describe(error))
            return
        if response.status_code != 200:
            log.error(
                "Answer through a response_url refused: HTTP %s %.100s",
                response.status_code,
                response.body,
            )

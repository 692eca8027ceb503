"""Slack's Socket Mode connection, served on the receiver's loop (bot.receiver).

Each envelope is acknowledged from there: at once with an empty answer when
bot.slack.acks says that is the answer, and the envelope handed to the main loop;
otherwise after Bolt has answered it on the main loop, as Bolt's own handler does.
"""

import time

from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.config import Settings
from bot.receiver import MainLoop
from bot.slack.acks import answered_empty_at_once
from bot.slack.client import create_web_client


class SocketModeReceiver:
    """The connection (opened by `connect`, on the receiver's loop) and its envelopes."""

    def __init__(self, settings: Settings, bolt: AsyncApp, main: MainLoop) -> None:
        self._settings = settings
        self._bolt = bolt
        self._main = main
        self._client: SocketModeClient | None = None

    async def connect(self) -> None:
        """Open the connection, trying again until it opens; slack_sdk reopens it by itself
        when it drops."""
        token = self._settings.slack_app_token
        if token is None:  # check_run refused this already; the test narrows the type
            raise RuntimeError("SLACK_APP_TOKEN is not set")
        # Built here: the client's sessions belong to the loop that builds them, and the
        # app's own (on the main loop) cannot serve this one.
        self._client = SocketModeClient(
            app_token=token.get_secret_value(),
            logger=self._bolt.logger,
            web_client=create_web_client(self._settings),
            ping_interval=self._settings.socket_ping_interval_s,
        )
        self._client.socket_mode_request_listeners.append(self._receive)  # type: ignore[arg-type]
        await self._client.connect()  # type: ignore[no-untyped-call]

    async def is_connected(self) -> bool:
        return self._client is not None and await self._client.is_connected()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()  # type: ignore[no-untyped-call]

    async def _receive(self, client: SocketModeClient, envelope: SocketModeRequest) -> None:
        received = time.time()
        request = AsyncBoltRequest(
            mode="socket_mode", body=envelope.payload, headers=build_headers(envelope)
        )
        dispatch = self._bolt.async_dispatch(request)
        if answered_empty_at_once(envelope.payload):
            self._main.hand_over(dispatch)
            await client.send_socket_mode_response(
                SocketModeResponse(envelope_id=envelope.envelope_id)
            )
            return
        answer = await self._main.run(dispatch)
        await send_async_response(client, envelope, answer, received)

"""The app factory: wires the Bolt listeners to the services."""

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

import handlers
from bot.log_context import name_team_for_this_request
from bot.services.container import Services
from bot.slack.client import MaskingAck, MaskingRespond


def create_app(services: Services) -> AsyncApp:
    settings = services.settings
    signing_secret = settings.slack_signing_secret
    app = AsyncApp(
        # Named, or Bolt names the app after its caller's file through inspect.stack(),
        # which reads the source of every frame: 25-60 ms of every start.
        name="ocrbot",
        client=services.client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        logger=logging.getLogger("slack_bolt"),
    )

    async def mask_what_listeners_send(
        context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]
    ) -> None:
        """A listener's `client` (and so `say`), `ack` and `respond` mask card numbers too:
        Bolt would otherwise hand it a plain client of its own. Its log lines name the team."""
        context["client"] = services.client
        context["ack"] = MaskingAck()
        if context.response_url is not None:
            context["respond"] = MaskingRespond(
                response_url=context.response_url,
                proxy=services.client.proxy,
                ssl=services.client.ssl,
            )
        name_team_for_this_request(context.team_id)
        await next_()

    app.use(mask_what_listeners_send)
    handlers.register(app, services)
    return app

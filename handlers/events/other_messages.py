"""Messages without files are acknowledged and left alone: the bot reads uploads only."""

from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    @app.event("message")
    async def other_messages() -> None:
        return None

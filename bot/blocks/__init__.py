"""Block Kit messages the bot sends: builders per message, mrkdwn safety, limits."""

from bot.blocks.message import Message

__all__ = ["Message"]

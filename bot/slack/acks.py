"""What Slack gets back for a request before any listener has run: shared by HTTP and
Socket Mode, so that a request the bot already knows how to answer is answered where it is
received, without waiting for the loop that runs the bot's work.
"""

from collections.abc import Mapping
from typing import Any

# The kinds whose listeners all acknowledge with no arguments (and so does /bizstatus):
# an event, a block action. A view submission may answer with inline errors, and a kind
# no listener takes (a shortcut, options) is Bolt's to answer (404): those wait for Bolt.
# tests/slack/test_acks.py holds the listeners in handlers/ to this.
_EMPTY_ACK_TYPES = frozenset({"event_callback", "block_actions"})


def answered_empty_at_once(fields: Mapping[str, Any]) -> bool:
    """Whether a request with these body fields (Bolt's reading of it, or a Socket Mode
    envelope's payload) is answered with an empty 200 before it is dispatched.

    >>> answered_empty_at_once({"type": "event_callback", "event": {"type": "message"}})
    True
    >>> answered_empty_at_once({"command": "/bizstatus", "text": "220-81-62517"})
    True
    >>> answered_empty_at_once({"type": "view_submission", "view": {}})
    False
    >>> answered_empty_at_once({"type": "url_verification", "challenge": "c"})
    False
    """
    if isinstance(fields.get("command"), str):  # a slash command
        return True
    return fields.get("type") in _EMPTY_ACK_TYPES

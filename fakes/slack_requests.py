"""Requests to the app signed as Slack signs them: events, slash commands, block actions.

Also builders for the event payloads Slack sends when someone shares a file.
"""

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from enum import Enum
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from fakes.slack import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

# Slack rejects, and Bolt refuses, requests signed more than five minutes ago.
SIGNATURE_MAX_AGE_S = 5 * 60
# Slack still sends this deprecated verification token in every body.
VERIFICATION_TOKEN = "deprecated-verification-token"
REQUEST_TIMEOUT_S = 10.0
# The signing secret the tests and benchmarks give the app and sign requests with.
SIGNING_SECRET = "ocrbot-test-signing-secret-8f14e45fceea167a"

_serial = itertools.count(1)


def slack_signature(signing_secret: str, timestamp: str, body: str) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, Slack's X-Slack-Signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def new_ts() -> str:
    """A fresh, unique message timestamp in Slack's "seconds.micro" form."""
    return f"{int(time.time())}.{next(_serial) % 1_000_000:06d}"


class Signing(Enum):
    """How a request is signed: correctly, or forged in one of the ways an app must refuse."""

    VALID = "valid"
    WRONG_SIGNATURE = "wrong_signature"
    STALE_TIMESTAMP = "stale_timestamp"


class SlackRequestSender:
    """Posts signed requests to an app's Slack endpoint; use with `async with`.

    `response_urls` makes the response_url of commands and actions, usually
    `fake_slack.response_url`, so the app's replies reach the fake.
    """

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        response_urls: Callable[[], str],
        team_id: str = TEAM_ID,
    ) -> None:
        self.url = url
        self.team_id = team_id
        self._signing_secret = signing_secret
        self._response_urls = response_urls
        self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"SlackRequestSender(url={self.url!r})"

    async def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        signing: Signing = Signing.VALID,
    ) -> httpx.Response:
        """Deliver `event` in an event_callback envelope; `retry_num` marks a redelivery.

        Pass the same `event_id` again to redeliver the same event, as Slack does.
        """
        team = team_id or self.team_id
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return await self._post(json.dumps(envelope), "application/json", headers, signing)

    async def command(
        self,
        text: str,
        *,
        command: str = "/bizstatus",
        user_id: str = "U_CHECKER",
        user_name: str = "checker",
        channel_id: str = "C_GENERAL",
        channel_name: str = "general",
        response_url: str | None = None,
        signing: Signing = Signing.VALID,
    ) -> httpx.Response:
        """Run a slash command, form-encoded with the fields Slack sends."""
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_urls(),
            "trigger_id": _trigger_id(),
        }
        return await self._post(urlencode(form), "application/x-www-form-urlencoded", {}, signing)

    async def action(
        self, payload: dict[str, Any], *, signing: Signing = Signing.VALID
    ) -> httpx.Response:
        """Send an interactivity payload (e.g. from `block_action`) as the `payload` form field."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self._post(body, "application/x-www-form-urlencoded", {}, signing)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str,
        message_ts: str,
        thread_ts: str | None = None,
        response_url: str | None = None,
        block_id: str = "actions",
    ) -> dict[str, Any]:
        """The block_actions payload of a click on a button in one of the bot's messages."""
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": self.team_id,
            "ts": message_ts,
            "text": "",
        }
        if thread_ts is not None:
            container["thread_ts"] = thread_ts
            message["thread_ts"] = thread_ts
        return {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": container,
            "trigger_id": _trigger_id(),
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": channel.lower()},
            "message": message,
            "state": {"values": {}},
            "response_url": response_url or self._response_urls(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "action_ts": new_ts(),
                }
            ],
        }

    def view_submission(
        self, view: dict[str, Any], values: dict[str, str], *, user: str
    ) -> dict[str, Any]:
        """The view_submission payload of `user` submitting `view` (as views.open answered
        it) with plain-text inputs typed as `values`, keyed by block_id."""
        state = {
            block["block_id"]: {
                block["element"]["action_id"]: {
                    "type": block["element"]["type"],
                    "value": values.get(block["block_id"]) or None,
                }
            }
            for block in view["blocks"]
            if block.get("type") == "input"
        }
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "user": self._user(user),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": _trigger_id(),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _user(self, user: str) -> dict[str, str]:
        """The clicking or submitting user, as interaction payloads carry them."""
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id}

    async def replay(self, response: httpx.Response) -> httpx.Response:
        """Send the request that got `response` again, byte for byte: same body, same
        timestamp, same signature, as someone who captured it would."""
        sent = response.request
        headers = {name: value for name, value in sent.headers.items() if name != "host"}
        return await self._client.post(self.url, content=sent.content, headers=headers)

    async def redeliver(self, response: httpx.Response, *, retry_num: int) -> httpx.Response:
        """Deliver the body of the request that got `response` again as Slack retries it:
        signed afresh, a second later than the first, with X-Slack-Retry-Num."""
        sent = response.request
        timestamp = str(int(sent.headers["X-Slack-Request-Timestamp"]) + 1)
        body = sent.content.decode()
        headers = {
            **{name: value for name, value in sent.headers.items() if name != "host"},
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": slack_signature(self._signing_secret, timestamp, body),
            "X-Slack-Retry-Num": str(retry_num),
            "X-Slack-Retry-Reason": "http_timeout",
        }
        return await self._client.post(self.url, content=sent.content, headers=headers)

    async def _post(
        self, body: str, content_type: str, headers: dict[str, str], signing: Signing
    ) -> httpx.Response:
        now = int(time.time())
        timestamp = str(
            now - SIGNATURE_MAX_AGE_S - 60 if signing is Signing.STALE_TIMESTAMP else now
        )
        signature = slack_signature(self._signing_secret, timestamp, body)
        if signing is Signing.WRONG_SIGNATURE:
            signature = slack_signature(self._signing_secret + "-wrong", timestamp, body)
        return await self._client.post(
            self.url,
            content=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **headers,
            },
        )


def _trigger_id() -> str:
    return f"{next(_serial)}.{int(time.time())}.{uuid.uuid4().hex}"


def file_share_message(
    file: dict[str, Any],
    *,
    channel: str,
    user: str,
    text: str = "",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """The `message` event (subtype file_share) of someone sharing `file` in `channel`.

    `channel_type` is "channel", "group" (private), "im" or "mpim".
    """
    ts = ts or _shared_ts(file, channel) or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "subtype": "file_share",
        "text": text,
        "files": [file],
        "upload": False,
        "user": user,
        "display_as_bot": False,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        "client_msg_id": str(uuid.uuid4()),
    }
    if text:
        event["blocks"] = [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ]
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def _shared_ts(file: dict[str, Any], channel: str) -> str | None:
    """The share's ts that files.info reports, so the message and files.info agree."""
    for scope in (file.get("shares") or {}).values():
        for share in scope.get(channel) or []:
            return str(share["ts"])
    return None


def file_shared_event(file_id: str, *, channel: str, user: str) -> dict[str, Any]:
    """The `file_shared` event Slack sends beside the message: ids only, call files.info."""
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": new_ts(),
    }

"""Requests anyone can send to /slack/events: refused with 401 (not signed by Slack lately)
or 400 (signed, but not a body Slack sends), in one log line without a traceback, and
nothing runs."""

import asyncio
import hashlib
import hmac
import json
import logging
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.slack_requests import SIGNATURE_MAX_AGE_S
from tests.handlers.conftest import RunningBot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
COMMAND = (
    b"token=t&team_id=T0001&channel_id=C_GENERAL&user_id=U_CHECKER&command=%2Fbizstatus"
    b"&text=220-81-62517&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fhook"
)
CONTENT_TYPES = [FORM, JSON, "text/plain", "application/octet-stream", "", "multipart/form-data"]


def now() -> str:
    return str(int(time.time()))


def signed(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's signature (FACTS.md: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`) over
    the raw bytes, whatever they are."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def headers(content_type: str, timestamp: str | None, signature: str | None) -> dict[str, bytes]:
    """The request's headers, as raw bytes so that any character can be sent."""
    sent = {"Content-Type": content_type}
    if timestamp is not None:
        sent["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        sent["X-Slack-Signature"] = signature
    return {name: value.encode("latin-1") for name, value in sent.items()}


async def post_raw(bot: RunningBot, body: bytes, sent: dict[str, bytes]) -> httpx.Response:
    """`body` and `sent` headers to the bot's endpoint as they are; then time for anything
    the request would start."""
    async with httpx.AsyncClient() as client:
        response = await client.post(bot.send.url, content=body, headers=sent)
    await bot.settle(0.3)
    return response


def nothing_ran(bot: RunningBot) -> bool:
    return bot.slack.calls == [] and bot.slack.downloads == [] and bot.nhn.requests == []


def log_problems(records: list[logging.LogRecord]) -> list[str]:
    """What is wrong with the log of one refused request: more than one line, or a traceback."""
    problems = [f"{r.name}: {r.getMessage()[:80]}" for r in records if r.exc_info]
    if len(records) > 1:
        problems.append(f"{len(records)} log lines: {[r.getMessage()[:60] for r in records]}")
    return problems


class LogLines:
    """The bot's log records at INFO and above; the test's own HTTP client (httpx, which
    logs each request it sends) is left out: `nothing_ran` shows the bot sent nothing."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        return [r for r in self._caplog.records if r.name not in ("httpx", "httpcore")]

    def clear(self) -> None:
        self._caplog.clear()


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> LogLines:
    caplog.set_level(logging.INFO)
    caplog.clear()
    return LogLines(caplog)


UNSIGNED = {
    # name: (timestamp, signature or None for the right one over that timestamp, body, type)
    "no headers": (None, "", COMMAND, FORM),
    "no signature": ("NOW", "", COMMAND, FORM),
    "empty signature": ("NOW", "-", COMMAND, FORM),
    "wrong signature": ("NOW", "v0=" + "0" * 64, COMMAND, FORM),
    "signature not hex": ("NOW", "v0=" + "ü" * 64, COMMAND, FORM),
    "non-integer timestamp": ("yesterday", None, COMMAND, FORM),
    "decimal timestamp": ("1700000000.5", None, COMMAND, FORM),
    "empty timestamp": ("", None, COMMAND, FORM),
    "huge timestamp": ("9" * 5000, None, COMMAND, FORM),
    "negative timestamp": ("-1", None, COMMAND, FORM),
    "timestamp in the far future": (str(int(time.time()) + 10**9), None, COMMAND, FORM),
    "stale timestamp": (str(int(time.time()) - SIGNATURE_MAX_AGE_S - 60), None, COMMAND, FORM),
    "malformed JSON, bad signature": ("NOW", "v0=" + "1" * 64, b'{"type": ', JSON),
    "non-UTF-8 body, bad signature": ("NOW", "v0=" + "2" * 64, b"\xff\xfe\x00{", JSON),
    "empty body, no signature": ("NOW", "", b"", JSON),
}


@pytest.mark.parametrize("case", list(UNSIGNED))
async def test_a_request_slack_did_not_sign_lately_gets_401_and_one_log_line(
    bot: RunningBot, slack_signing_secret: str, log_lines: LogLines, case: str
) -> None:
    timestamp, signature, body, content_type = UNSIGNED[case]
    if timestamp == "NOW":
        timestamp = now()
    if signature is None:  # a real signature, only the timestamp is wrong
        signature = signed(slack_signing_secret, timestamp or "", body)
    signature = {"": None, "-": ""}.get(signature, signature)

    response = await post_raw(bot, body, headers(content_type, timestamp, signature))

    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    assert nothing_ran(bot)
    assert len(log_lines.records) == 1
    assert log_problems(log_lines.records) == []


SIGNED_BUT_UNREADABLE = {
    "malformed JSON": (b'{"type": "event_callback", ', JSON),
    "JSON that is a list": (b'[{"type": "event_callback"}]', JSON),
    "JSON that is a string": (b'"event_callback"', JSON),
    "JSON nested too deep": (b"[" * 100_000 + b"]" * 100_000, JSON),
    "JSON object without a type": (b'{"event": {"type": "message"}}', JSON),
    "empty body": (b"", JSON),
    "non-UTF-8 body": (b'{"type": "\xff\xfe"}', JSON),
    "form without payload or command": (b"token=t&team_id=T0001&text=hello", FORM),
    "payload that is not JSON": (b"payload=%7B%22type%22%3A", FORM),
    "payload that is a list": (b"payload=%5B%5D", FORM),
    "plain text": (b"hello", "text/plain"),
}


@pytest.mark.parametrize("case", list(SIGNED_BUT_UNREADABLE))
async def test_a_signed_body_slack_would_not_send_gets_400_and_one_log_line(
    bot: RunningBot, slack_signing_secret: str, log_lines: LogLines, case: str
) -> None:
    body, content_type = SIGNED_BUT_UNREADABLE[case]
    timestamp = now()
    signature = signed(slack_signing_secret, timestamp, body)

    response = await post_raw(bot, body, headers(content_type, timestamp, signature))

    assert response.status_code == 400
    assert response.json() == {"error": "malformed request"}
    assert nothing_ran(bot)
    assert len(log_lines.records) == 1
    assert log_problems(log_lines.records) == []


# What an HTTP header can hold: visible ASCII, spaces only inside.
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(
    str.strip
)
_TIMESTAMPS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    _HEADER_TEXT,
    st.floats(allow_nan=True).map(str),
)
_BODIES = st.one_of(
    st.binary(max_size=3000),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    ).map(lambda value: json.dumps(value).encode()),
    st.text().map(lambda text: f"payload={text}".encode()),
)


# The bot fixture serves every example: Hypothesis need not set it up again for each.
SENT_200 = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def test_arbitrary_requests_without_the_signing_secret_get_401(
    bot: RunningBot, slack_signing_secret: str, log_lines: LogLines
) -> None:
    """Hypothesis sends what it likes, and may sign it with the wrong secret or sign a
    timestamp other than the one sent: always 401, one log line, nothing runs."""

    def send_all() -> None:
        with httpx.Client(timeout=10) as client:

            @SENT_200
            @given(
                body=_BODIES,
                timestamp=_TIMESTAMPS | st.none(),
                how=st.sampled_from(["none", "wrong secret", "other timestamp", "garbage"]),
                garbage=_HEADER_TEXT,
                content_type=st.sampled_from(CONTENT_TYPES),
            )
            def refused(
                body: bytes, timestamp: str | None, how: str, garbage: str, content_type: str
            ) -> None:
                signature = {
                    "none": None,
                    "wrong secret": signed("not-the-secret", timestamp or "", body),
                    "other timestamp": signed(slack_signing_secret, now() + "1", body),
                    "garbage": garbage,
                }[how]
                log_lines.clear()
                response = client.post(
                    bot.send.url, content=body, headers=headers(content_type, timestamp, signature)
                )
                assert response.status_code == 401
                assert len(log_lines.records) == 1
                assert log_problems(log_lines.records) == []

            refused()

    await asyncio.to_thread(send_all)
    await bot.settle(0.3)
    assert nothing_ran(bot)


async def test_arbitrary_signed_bodies_never_get_a_500(
    bot: RunningBot, slack_signing_secret: str, log_lines: LogLines
) -> None:
    """Bytes, JSON values and form payloads of any kind, signed with the real secret:
    400, or Bolt's answer to a well-formed request (404: nobody handles it), never a 500
    or a traceback."""

    def send_all() -> None:
        with httpx.Client(timeout=10) as client:

            @SENT_200
            @given(body=_BODIES, content_type=st.sampled_from(CONTENT_TYPES))
            def answered(body: bytes, content_type: str) -> None:
                timestamp = now()
                log_lines.clear()
                response = client.post(
                    bot.send.url,
                    content=body,
                    headers=headers(
                        content_type, timestamp, signed(slack_signing_secret, timestamp, body)
                    ),
                )
                assert response.status_code < 500
                assert len(log_lines.records) <= 1
                assert log_problems(log_lines.records) == []

            answered()

    await asyncio.to_thread(send_all)
    await bot.settle(0.3)
    assert nothing_ran(bot)


async def test_a_body_over_a_megabyte_is_refused_unread(
    bot: RunningBot, log_lines: LogLines
) -> None:
    # Slack's payloads are a few kilobytes; the signature cannot be checked without
    # reading the body, so the server's own limit (aiohttp's 1 MiB) comes first.
    body = b"x" * (3 * 1024 * 1024)

    response = await post_raw(bot, body, headers(JSON, now(), "v0=" + "0" * 64))

    assert response.status_code == 413
    assert nothing_ran(bot)
    assert log_lines.records == []

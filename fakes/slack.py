"""A fake of the Slack endpoints the bot talks to, served for real on 127.0.0.1.

One server stands in for slack.com/api (the Web API), files.slack.com (downloads and
files_upload_v2 uploads) and hooks.slack.com (response_url). It answers with the
shapes Slack answers with, records every request, and rejects what Slack rejects.

Rejections split in two. Requests real Slack refuses because the app built them
wrong (bad or missing token, unknown method, missing argument, invalid blocks) are
also recorded in `violations`, which the `fake_slack` fixture turns into a test
failure. Errors that depend on state (already_reacted, message_not_found,
cant_delete_file, not_in_channel...) are ordinary outcomes the app must handle and
are only answered.
"""

import asyncio
import base64
import itertools
import json
import mimetypes
import re
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

from aiohttp import WSMsgType, web
from multidict import CIMultiDict, CIMultiDictProxy

from fakes.blockkit import (
    Rejection,
    message_rejection,
    modal_rejection,
    view_rejection,
)
from fakes.server import (
    BackgroundServer,
    new_application,
    reset_connection,
)

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
TEAM_ID = "T0001"
TEAM_DOMAIN = "example"
TEAM_NAME = "Example"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
BOT_NAME = "ocrbot"
API_APP_ID = "A0OCRBOT"
DEFAULT_UPLOADER = "U_UPLOADER"
# Slack accepts five posts to one response_url (within 30 minutes).
RESPONSE_URL_USES = 5
# conversations.replies: Slack's default and largest page.
REPLIES_PAGE_LIMIT = 1000
# A trigger_id can open one view, within three seconds of the interaction that gave it.
TRIGGER_LIFETIME_S = 3
_TRIGGER_ID = re.compile(r"[0-9]+\.([0-9]+)\.[0-9a-f]+")
# Parameters slack_sdk sends as JSON strings inside form bodies.
JSON_ENCODED_PARAMS = ("blocks", "attachments", "view", "files", "metadata")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONNECTION_RESET = "connection_reset"
SIGN_IN_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="utf-8"><title>Sign in | Slack</title></head>
<body>
<h1>Sign in to Example</h1>
<form action="/signin" method="post"><input type="email" name="email">
<button type="submit">Sign In With Email</button></form>
</body>
</html>
"""

ChannelKind = Literal["public", "private", "im", "mpim"]
Serve = Literal["file", "html_login", "redirect"]
Served = Literal["file", "html_login", "redirect", "not_found", "cut"]
Headers = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Web API request as the fake received it.

    `params` merges query, form and JSON bodies, with JSON-string parameters
    (blocks, attachments, view, files) decoded. `headers` look up case-insensitively.
    `error` is the Slack error answered (`"connection_reset"` when the fake cut the
    connection), None on success.
    """

    method: str
    params: dict[str, Any]
    headers: Headers = field(repr=False)
    error: str | None


@dataclass(frozen=True, slots=True)
class Download:
    """A GET of a file's url_private(_download), and what the fake answered."""

    file_id: str
    path: str
    headers: Headers = field(repr=False)
    served: Served


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the app uploaded with files_upload_v2 and completed."""

    file_id: str
    filename: str
    title: str
    content: bytes = field(repr=False)
    channels: tuple[str, ...]
    initial_comment: str | None
    thread_ts: str | None


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: Headers = field(repr=False)


@dataclass(frozen=True, slots=True)
class _Fault:
    error: str
    status: int
    retry_after: int | None
    reset: bool


@dataclass(slots=True)
class _File:
    id: str
    name: str
    title: str
    mimetype: str
    filetype: str
    content: bytes
    size: int
    user: str
    channels: list[str]
    created: int
    share_ts: str  # the message that shared it, as files.info lists under `shares`
    serve: Serve = "file"
    redirect_to: str | None = None
    deleted: bool = False


@dataclass(slots=True)
class _PendingUpload:
    file_id: str
    key: str
    filename: str
    length: int
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Channel:
    id: str
    kind: ChannelKind
    name: str
    bot_is_member: bool
    user: str | None  # the other person of an im


@dataclass(frozen=True, slots=True)
class _User:
    id: str
    name: str
    real_name: str
    locale: str
    is_bot: bool


@dataclass(frozen=True, slots=True)
class _Reply:
    body: dict[str, Any]
    status: int = 200
    retry_after: int | None = None
    reset: bool = False


class _ApiError(Exception):
    """Ends a method handler with a Slack error; `violation` when the app is at fault."""

    def __init__(self, rejection: Rejection, *, violation: bool = False) -> None:
        super().__init__(rejection.error)
        self.rejection = rejection
        self.violation = violation


def _missing(*names: str) -> _ApiError:
    details = tuple(f"[ERROR] missing required field: {name}" for name in names)
    return _ApiError(Rejection("invalid_arguments", details), violation=True)


def _required(params: Mapping[str, Any], *names: str) -> list[str]:
    missing = [name for name in names if params.get(name) in (None, "")]
    if missing:
        raise _missing(*missing)
    return [str(params[name]) for name in names]


def _check(rejection: Rejection | None) -> None:
    if rejection is not None:
        raise _ApiError(rejection, violation=True)


def _flag(value: object) -> bool:
    return value is True or value in ("true", "1")


def _snapshot(headers: Headers) -> Headers:
    return CIMultiDictProxy(CIMultiDict(headers))


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Parameters as Slack reads them: query string plus a form or JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _ApiError(Rejection("invalid_json"), violation=True) from None
        if not isinstance(body, dict):
            raise _ApiError(Rejection("invalid_json"), violation=True)
        params.update(body)
    elif request.content_type in FORM_CONTENT_TYPES:
        form = await request.post()
        params.update((name, value) for name, value in form.items() if isinstance(value, str))
    for name in JSON_ENCODED_PARAMS:
        value = params.get(name)
        if isinstance(value, str):
            try:
                params[name] = json.loads(value)
            except ValueError:
                continue  # left as the string, which the method's checks then reject
    return params


async def _uploaded_bytes(request: web.Request) -> bytes:
    """The file in an upload URL POST: the raw body, or the file part of a multipart form."""
    if request.content_type != "multipart/form-data":
        return await request.read()
    form = await request.post()
    for value in form.values():
        if isinstance(value, web.FileField):
            return value.file.read()
    return b""


async def _cut_response(
    request: web.Request, stored: _File, after_bytes: int
) -> web.StreamResponse:
    """Headers for the whole file, `after_bytes` of its body, then the connection closed."""
    response = web.StreamResponse(headers={"Content-Length": str(len(stored.content))})
    response.content_type = stored.mimetype
    await response.prepare(request)
    await response.write(stored.content[:after_bytes])
    if request.transport is not None:
        request.transport.close()  # a FIN once the part is sent: the client sees a short body
    return response


def _metadata_rejection(metadata: object) -> Rejection | None:
    """Message metadata is an object with a string `event_type` and an object `event_payload`."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return Rejection("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        return Rejection("invalid_metadata_schema")
    return None


def _replies_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _replies_offset(cursor: object) -> int:
    if cursor in (None, ""):
        return 0
    try:
        decoded = base64.b64decode(str(cursor), validate=True).decode()
        kind, offset = decoded.split(":")
        if kind != "offset" or not offset.isdigit():
            raise ValueError(decoded)
    except ValueError:
        raise _ApiError(Rejection("invalid_cursor")) from None
    return int(offset)


def _filetype(filename: str) -> str:
    extension = PurePosixPath(filename).suffix.lower().removeprefix(".")
    return {"jpeg": "jpg", "txt": "text", "": "binary"}.get(extension, extension)


class FakeSlack:
    """The fake Slack server. Use as a context manager, or through the `fake_slack` fixture."""

    def __init__(self, *, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        # Socket Mode: the open connection, how many were opened, and the acks received.
        self.socket_connections = 0
        self.socket_acks: dict[str, dict[str, Any]] = {}
        self._socket: web.WebSocketResponse | None = None
        self.calls: list[ApiCall] = []
        self.violations: list[str] = []
        self.downloads: list[Download] = []
        self.uploads: list[Upload] = []
        # A bot token usually cannot delete what a person uploaded; its own files it can.
        self.files_deletable = False
        self._lock = threading.Lock()
        self._latency_s = 0.0
        self._method_latency_s: dict[str, float] = {}
        self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
        self._connections_before_outage: int | None = None
        self._download_cuts: deque[int] = deque()  # bytes to send before each cut
        self._holds: dict[str, threading.Event] = {}
        self._held: Counter[str] = Counter()
        self._serial = itertools.count(1)
        self._epoch = int(time.time())
        self._files: dict[str, _File] = {}
        self._pending_uploads: dict[str, _PendingUpload] = {}
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, _User] = {
            BOT_USER_ID: _User(BOT_USER_ID, BOT_NAME, BOT_NAME, "en-US", is_bot=True)
        }
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._reactions: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        self._home_views: dict[str, dict[str, Any]] = {}
        self._modals: list[dict[str, Any]] = []
        self._used_triggers: set[str] = set()
        self._responses: dict[str, list[dict[str, Any]]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.info": self._files_info,
            "files.delete": self._files_delete,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "conversations.info": self._conversations_info,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
        }
        app = new_application()
        app.router.add_post("/api/apps.connections.open", self._handle_connections_open)
        app.router.add_get("/socket-mode/link", self._handle_socket)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/files-pri/{team_file}/{name}", self._handle_download)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._handle_download)
        app.router.add_post("/upload/v1/{file_id}/{key}", self._handle_upload)
        app.router.add_post("/commands/{team}/{serial}/{key}", self._handle_response_url)
        self._server = BackgroundServer(app)

    # Lifecycle

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        with self._lock:
            for gate in self._holds.values():
                gate.set()  # nothing waits past the end of a test
        self._server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """The Web API root, for slack_sdk's `base_url` (SLACK_API_URL)."""
        return f"{self.base_url}/api/"

    # Set-up by tests

    def add_file(
        self,
        name: str,
        content: bytes,
        mimetype: str,
        filetype: str,
        *,
        channel: str,
        user: str = DEFAULT_UPLOADER,
        file_access: str | None = None,
        serve: Serve = "file",
        redirect_to: str | None = None,
        size: int | None = None,
        share_ts: str | None = None,
    ) -> dict[str, Any]:
        """Register a file a person shared in `channel`; returns it as events carry it.

        With `file_access` (e.g. "check_file_info", as in Slack Connect) the event
        carries only a stub and files.info has the full object. `serve` decides what a
        download gets: the bytes (with the bot token), Slack's HTML sign-in page
        (as without files:read), or a 302 to `redirect_to`. `size` overrides the
        reported size, to describe files too large to hold in a test.
        """
        if (serve == "redirect") != (redirect_to is not None):
            raise ValueError("redirect_to is required with serve='redirect', and only then")
        with self._lock:
            stored = _File(
                id=self._new_id("F"),
                name=name,
                title=name,
                mimetype=mimetype,
                filetype=filetype,
                content=content,
                size=len(content) if size is None else size,
                user=user,
                channels=[channel],
                created=int(time.time()),
                share_ts=share_ts or f"{int(time.time())}.{next(self._serial):06d}",
                serve=serve,
                redirect_to=redirect_to,
            )
            self._files[stored.id] = stored
            if file_access is not None:
                return {
                    "id": stored.id,
                    "mode": "file_access",
                    "file_access": file_access,
                    "created": 0,
                    "timestamp": 0,
                    "user": "",
                }
            return self._file_object(stored)

    def add_channel(
        self,
        channel_id: str,
        kind: ChannelKind = "public",
        *,
        name: str | None = None,
        bot_is_member: bool = True,
        user: str | None = None,
    ) -> None:
        """Register a conversation; unregistered "C..." ids are public channels the bot is in.

        An im needs `user`, the person on the other side.
        """
        if (kind == "im") != (user is not None):
            raise ValueError("user is required for an im, and only for an im")
        default_name = f"mpdm-{channel_id.lower()}-1" if kind == "mpim" else channel_id.lower()
        with self._lock:
            self._channels[channel_id] = _Channel(
                channel_id, kind, name or default_name, bot_is_member, user
            )

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        locale: str = "ko-KR",
        is_bot: bool = False,
    ) -> None:
        """Register a person for users.info; unregistered "U..." ids get a generated profile."""
        with self._lock:
            self._users[user_id] = _User(user_id, name, real_name or name, locale, is_bot)

    def set_latency(self, seconds: float, *, method: str | None = None) -> None:
        """Delay answers: every request the fake serves, or only one Web API method's."""
        with self._lock:
            if method is None:
                self._latency_s = seconds
            else:
                self._method_latency_s[method] = seconds

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with `status` and `{"ok": false, error}`.

        The default is Slack's rate limit answer, with its Retry-After header (None
        omits it); `status=503, error="service_unavailable", retry_after=None`
        gives a server error.
        """
        self._add_fault(method, _Fault(error, status, retry_after, reset=False), times)

    def fail_connections_after(self, successes: int) -> None:
        """apps.connections.open serves `successes` more calls, then answers every later one
        500 `internal_error`: a Slack outage that begins once the app has connected (or
        checked its token)."""
        with self._lock:
            self._connections_before_outage = successes

    def reset_next(self, method: str, *, times: int = 1) -> None:
        """Cut the connection (TCP reset, no answer) on the next `times` calls of `method`."""
        self._add_fault(method, _Fault(CONNECTION_RESET, 0, None, reset=True), times)

    def cut_next_download(self, *, after_bytes: int, times: int = 1) -> None:
        """Cut the next `times` file downloads after `after_bytes` bytes of the body.

        The answer starts as a full one (200, the file's Content-Type and the Content-Length
        of the whole file), then the connection closes, as when a proxy or the network
        drops it mid-transfer. Recorded in `downloads` as served "cut".
        """
        if after_bytes < 0 or times < 1:
            raise ValueError("after_bytes must be 0 or more and times at least 1")
        with self._lock:
            self._download_cuts.extend([after_bytes] * times)

    def hold(self, method: str) -> None:
        """Serve calls of `method` ("upload" for the bytes of a files_upload_v2 upload) but keep
        their answers back until `release(method)`: the message is posted or the file
        stored, and the app waits, as when a process dies with the request in flight."""
        with self._lock:
            self._holds.setdefault(method, threading.Event())

    def release(self, method: str) -> None:
        with self._lock:
            gate = self._holds.pop(method, None)
        if gate is not None:
            gate.set()

    def held(self, method: str) -> int:
        """How many answers to `method` are being kept back now."""
        with self._lock:
            return self._held[method]

    def response_url(self) -> str:
        """A fresh response_url, as Slack sends with slash commands and actions."""
        with self._lock:
            url = f"{self.base_url}/commands/{TEAM_ID}/{next(self._serial)}/{secrets.token_hex(12)}"
            self._responses[url] = []
        return url

    # Inspection by tests

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def responses(self, url: str) -> list[dict[str, Any]]:
        """JSON bodies posted to a response_url from `response_url()`, oldest first."""
        with self._lock:
            return list(self._responses[url])

    def all_responses(self) -> dict[str, list[dict[str, Any]]]:
        """Every response_url issued, with the JSON bodies posted to it."""
        with self._lock:
            return {url: list(posts) for url, posts in self._responses.items()}

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A message the bot posted, as it stands after updates; None if absent or deleted."""
        with self._lock:
            message = self._messages.get((channel, ts))
            return None if message is None else dict(message)

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The bot's replies in a thread, oldest first, as they stand after updates."""
        with self._lock:
            replies = [
                dict(message)
                for (where, ts), message in self._messages.items()
                if where == channel and ts != thread_ts and message.get("thread_ts") == thread_ts
            ]
        return sorted(replies, key=lambda message: str(message["ts"]))

    def reactions_on(self, channel: str, ts: str) -> list[str]:
        """The bot's reactions on a message, in the order added."""
        with self._lock:
            return list(self._reactions.get((channel, ts), []))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._home_views.get(user_id)

    def modals(self) -> list[dict[str, Any]]:
        """The modals views.open opened, oldest first, as Slack answered them."""
        with self._lock:
            return list(self._modals)

    def file_object(self, file_id: str) -> dict[str, Any]:
        """The full file object files.info answers with."""
        with self._lock:
            return self._file_object(self._files[file_id])

    def send_socket_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push an envelope (events_api, slash_commands, interactive) to the connected app."""
        envelope_id = secrets.token_hex(8)
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": payload,
        }
        self._server.run(self._send_socket(envelope))
        return envelope_id

    def drop_socket(self) -> None:
        """Close the Socket Mode connection from Slack's side, as Slack does when it rotates."""
        self._server.run(self._close_socket())

    def take_violations(self) -> list[str]:
        """Return and forget the violations so far: for tests that provoke them on purpose."""
        with self._lock:
            taken = list(self.violations)
            self.violations.clear()
        return taken

    # HTTP handlers (on the server's own event loop)

    async def _delay(self, method: str | None) -> None:
        seconds = self._method_latency_s.get(method or "", self._latency_s)
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def _answer_when_released(self, method: str) -> None:
        with self._lock:
            gate = self._holds.get(method)
            if gate is None:
                return
            self._held[method] += 1
        try:
            await asyncio.to_thread(gate.wait)  # in a thread: the server goes on serving others
        finally:
            with self._lock:
                self._held[method] -= 1

    async def _handle_connections_open(self, request: web.Request) -> web.StreamResponse:
        """apps.connections.open takes the app-level token, not the bot token."""
        headers = _snapshot(request.headers)
        with self._lock:
            if self._faults["apps.connections.open"]:
                fault = self._faults["apps.connections.open"].popleft()
                body: dict[str, Any] = {"ok": False, "error": fault.error}
                status = fault.status
            elif headers.get("Authorization") != f"Bearer {self.app_token}":
                body, status = Rejection("invalid_auth").answer(), 200
                self._record_violation("apps.connections.open", Rejection("invalid_auth"))
            elif self._connections_before_outage == 0:
                body, status = {"ok": False, "error": "internal_error"}, 500
            else:
                ticket = secrets.token_hex(8)
                url = self.base_url.replace("http://", "ws://")
                body, status = {"ok": True, "url": f"{url}/socket-mode/link?ticket={ticket}"}, 200
                if self._connections_before_outage is not None:
                    self._connections_before_outage -= 1
            self.calls.append(ApiCall("apps.connections.open", {}, headers, body.get("error")))
        return web.json_response(body, status=status)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        with self._lock:
            self._socket = socket
            self.socket_connections += 1
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                with self._lock:
                    self.socket_acks[ack["envelope_id"]] = ack
        return socket

    async def _send_socket(self, envelope: dict[str, Any]) -> None:
        if self._socket is None or self._socket.closed:
            raise RuntimeError("no Socket Mode connection is open")
        await self._socket.send_json(envelope)

    async def _close_socket(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        await self._delay(method)
        headers = _snapshot(request.headers)
        params: dict[str, Any] = {}
        unreadable: _ApiError | None = None
        try:
            params = await _read_params(request)
        except _ApiError as failure:
            unreadable = failure
        with self._lock:
            if unreadable is None:
                reply = self._answer(method, params, headers)
            else:
                self._record_violation(method, unreadable.rejection)
                reply = _Reply(unreadable.rejection.answer())
            error = None if reply.body.get("ok") else str(reply.body.get("error"))
            self.calls.append(ApiCall(method, params, headers, error))
        await self._answer_when_released(method)
        if reply.reset:
            reset_connection(request)
            return web.Response()
        extra_headers = {} if reply.retry_after is None else {"Retry-After": str(reply.retry_after)}
        return web.json_response(reply.body, status=reply.status, headers=extra_headers)

    def _answer(self, method: str, params: dict[str, Any], headers: Headers) -> _Reply:
        authorization = headers.get("Authorization")
        if authorization != f"Bearer {self.bot_token}":
            rejection = Rejection("not_authed" if authorization is None else "invalid_auth")
            self._record_violation(method, rejection)
            return _Reply(rejection.answer())
        handler = self._methods.get(method)
        if handler is None:
            rejection = Rejection("unknown_method")
            self._record_violation(method, rejection)
            return _Reply(rejection.answer())
        if self._faults[method]:
            fault = self._faults[method].popleft()
            return _Reply(
                {"ok": False, "error": fault.error}, fault.status, fault.retry_after, fault.reset
            )
        try:
            return _Reply(handler(params))
        except _ApiError as failure:
            if failure.violation:
                self._record_violation(method, failure.rejection)
            return _Reply(failure.rejection.answer())

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        await self._delay(None)
        file_id = request.match_info["team_file"].removeprefix(f"{TEAM_ID}-")
        headers = _snapshot(request.headers)
        with self._lock:
            stored = self._files.get(file_id)
            served: Served
            if stored is None or stored.deleted:
                served = "not_found"
            elif stored.serve == "redirect":
                served = "redirect"
            elif (
                stored.serve == "html_login"
                or headers.get("Authorization") != f"Bearer {self.bot_token}"
            ):
                served = "html_login"
            else:
                served = "file"
            cut_after = None
            if served == "file" and self._download_cuts:
                cut_after = self._download_cuts.popleft()
                served = "cut"
            self.downloads.append(Download(file_id, request.path, headers, served))
        if stored is None or served == "not_found":
            return web.Response(status=404, text="File not found", content_type="text/html")
        if served == "redirect":
            return web.Response(status=302, headers={"Location": str(stored.redirect_to)})
        if served == "html_login":
            # Slack answers 200 with a sign-in page when the token lacks files:read.
            return web.Response(text=SIGN_IN_PAGE, content_type="text/html", charset="utf-8")
        if cut_after is not None:
            return await _cut_response(request, stored, cut_after)
        return web.Response(body=stored.content, content_type=stored.mimetype)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        await self._delay(None)
        content = await _uploaded_bytes(request)
        file_id, key = request.match_info["file_id"], request.match_info["key"]
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None or not secrets.compare_digest(pending.key, key):
                self.violations.append(f"upload: POST to an upload URL never issued ({file_id})")
                return web.Response(status=404, text="not_found")
            if len(content) != pending.length:
                self.violations.append(
                    f"upload: {file_id} sent {len(content)} bytes, "
                    f"files.getUploadURLExternal declared {pending.length}"
                )
            pending.content = content
        await self._answer_when_released("upload")
        return web.Response(text=f"OK - {len(content)}")

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        await self._delay(None)
        url = f"{self.base_url}{request.path}"
        try:
            body = await request.json()
        except ValueError:
            body = None
        with self._lock:
            posts = self._responses.get(url)
            if posts is None:
                self.violations.append("response_url: POST to a URL never issued")
                return web.Response(status=404, text="no_service")
            if not isinstance(body, dict):
                self.violations.append("response_url: body is not a JSON object")
                return web.Response(status=400, text="invalid_payload")
            posts.append(body)
            if len(posts) > RESPONSE_URL_USES:
                self.violations.append(
                    f"response_url: used {len(posts)} times, Slack allows {RESPONSE_URL_USES}"
                )
                return web.Response(status=404, text="no_service")
            rejection = None if _flag(body.get("delete_original")) else message_rejection(body)
            if rejection is not None:
                self._record_violation("response_url", rejection)
                return web.Response(status=400, text=rejection.error)
        return web.Response(text="ok")

    # Web API methods (called with the lock held)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        (channel,) = _required(params, "channel")
        _check(message_rejection(params))
        _check(_metadata_rejection(params.get("metadata")))
        if channel.startswith(("U", "W")):
            channel = self._open_im(channel)
        self._require_membership(channel)
        ts = self._new_ts()
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": TEAM_ID,
            "text": params.get("text") or "",
            "ts": ts,
        }
        for name in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(name):
                message[name] = params[name]
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, _user = _required(params, "channel", "user")
        _check(message_rejection(params))
        self._require_membership(channel)
        return {"ok": True, "message_ts": self._new_ts()}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(params, "channel", "ts")
        _check(message_rejection(params))
        message = self._messages.get((channel, ts))
        if message is None:
            raise _ApiError(Rejection("message_not_found"))
        # Fields left out keep their old value, as in Slack.
        for name in ("text", "blocks", "attachments", "metadata"):
            if name in params:
                message[name] = params[name]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._new_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": message,
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(params, "channel", "ts")
        if self._messages.pop((channel, ts), None) is None:
            raise _ApiError(Rejection("message_not_found"))
        self._reactions.pop((channel, ts), None)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _required(params, "channel", "message_ts")
        permalink = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = _required(params, "channel", "timestamp", "name")
        reactions = self._reactions[(channel, ts)]
        if name in reactions:
            raise _ApiError(Rejection("already_reacted"))
        reactions.append(name)
        return {"ok": True}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = _required(params, "channel", "timestamp", "name")
        reactions = self._reactions[(channel, ts)]
        if name not in reactions:
            raise _ApiError(Rejection("no_reaction"))
        reactions.remove(name)
        return {"ok": True}

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        (file_id,) = _required(params, "file")
        return {
            "ok": True,
            "file": self._file_object(self._existing_file(file_id)),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _files_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        (file_id,) = _required(params, "file")
        stored = self._existing_file(file_id)
        if stored.user != BOT_USER_ID and not self.files_deletable:
            raise _ApiError(Rejection("cant_delete_file"))
        stored.deleted = True
        return {"ok": True}

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        filename, length = _required(params, "filename", "length")
        if not length.isdigit():
            raise _ApiError(
                Rejection("invalid_arguments", ("[ERROR] length must be an integer",)),
                violation=True,
            )
        pending = _PendingUpload(self._new_id("F"), secrets.token_hex(12), filename, int(length))
        self._pending_uploads[pending.file_id] = pending
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/v1/{pending.file_id}/{pending.key}",
            "file_id": pending.file_id,
        }

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise _missing("files")
        channels = [
            channel
            for channel in [params.get("channel_id"), *str(params.get("channels") or "").split(",")]
            if channel
        ]
        for channel in channels:
            self._require_membership(channel)
        completed: list[tuple[_PendingUpload, dict[str, Any]]] = []
        for item in items:
            pending = self._pending_uploads.get(str(item.get("id")))
            if pending is None or pending.content is None:
                raise _ApiError(Rejection("file_not_found"))
            completed.append((pending, item))
        objects: list[dict[str, Any]] = []
        for pending, item in completed:
            content = pending.content or b""
            del self._pending_uploads[pending.file_id]
            stored = _File(
                id=pending.file_id,
                name=pending.filename,
                title=item.get("title") or pending.filename,
                mimetype=mimetypes.guess_type(pending.filename)[0] or "application/octet-stream",
                filetype=_filetype(pending.filename),
                content=content,
                size=len(content),
                user=BOT_USER_ID,
                channels=list(channels),
                created=int(time.time()),
                share_ts=f"{int(time.time())}.{next(self._serial):06d}",
            )
            self._files[stored.id] = stored
            self.uploads.append(
                Upload(
                    stored.id,
                    stored.name,
                    stored.title,
                    content,
                    tuple(channels),
                    params.get("initial_comment"),
                    params.get("thread_ts"),
                )
            )
            objects.append(self._file_object(stored))
        return {"ok": True, "files": objects}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        (channel_id,) = _required(params, "channel")
        channel = self._lookup_channel(channel_id)
        if channel is None:
            raise _ApiError(Rejection("channel_not_found"))
        return {"ok": True, "channel": self._channel_object(channel)}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread, oldest first: the parent, then its replies; metadata only when asked
        for with include_all_metadata, as Slack leaves it out otherwise."""
        channel, ts = _required(params, "channel", "ts")
        if self._lookup_channel(channel) is None:
            raise _ApiError(Rejection("channel_not_found"))
        self._require_membership(channel)
        parent = self._messages.get((channel, ts)) or self._shared_message(channel, ts)
        replies = [
            message
            for (where, reply_ts), message in self._messages.items()
            if where == channel and reply_ts != ts and message.get("thread_ts") == ts
        ]
        if parent is None and not replies:
            raise _ApiError(Rejection("thread_not_found"))
        thread = ([] if parent is None else [parent]) + sorted(replies, key=lambda m: m["ts"])
        with_metadata = _flag(params.get("include_all_metadata"))
        thread = [
            message if with_metadata else {k: v for k, v in message.items() if k != "metadata"}
            for message in thread
        ]
        start = _replies_offset(params.get("cursor"))
        limit = min(int(params.get("limit") or REPLIES_PAGE_LIMIT), REPLIES_PAGE_LIMIT)
        page, rest = thread[start : start + limit], thread[start + limit :]
        next_cursor = _replies_cursor(start + limit) if rest else ""
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(rest),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _shared_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The person's message that shared a file registered with add_file, if `ts` is one."""
        for stored in self._files.values():
            if stored.share_ts == ts and channel in stored.channels and stored.user != BOT_USER_ID:
                return {
                    "type": "message",
                    "user": stored.user,
                    "text": "",
                    "ts": ts,
                    "files": [self._file_object(stored)],
                }
        return None

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        (user_id,) = _required(params, "user")
        user = self._users.get(user_id)
        if user is None and user_id.startswith(("U", "W")):
            user = _User(user_id, user_id.lower(), user_id, "ko-KR", is_bot=False)
        if user is None:
            raise _ApiError(Rejection("user_not_found"))
        profile = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": TEAM_ID,
        }
        if user.is_bot:
            profile["bot_id"] = BOT_ID if user.id == BOT_USER_ID else f"B{user.id[1:]}"
        user_object: dict[str, Any] = {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": "Asia/Seoul",
            "tz_label": "Korea Standard Time",
            "tz_offset": 32400,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": self._epoch,
        }
        if _flag(params.get("include_locale")):
            user_object["locale"] = user.locale
        return {"ok": True, "user": user_object}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        (user_id,) = _required(params, "user_id")
        view = params.get("view")
        _check(view_rejection(view))
        if not isinstance(view, dict):  # view_rejection refused it already
            raise _missing("view")
        published = self._view_object(
            view,
            "home",
            clear_on_close=False,
            notify_on_close=False,
            close=None,
            submit=None,
        )
        self._home_views[user_id] = published
        return {"ok": True, "view": published}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        (trigger_id,) = _required(params, "trigger_id")
        if "view" not in params:
            raise _missing("view")
        match = _TRIGGER_ID.fullmatch(trigger_id)
        if match is None:
            raise _ApiError(Rejection("invalid_trigger_id"), violation=True)
        if trigger_id in self._used_triggers:
            raise _ApiError(Rejection("exchanged_trigger_id"), violation=True)
        if time.time() - int(match[1]) > TRIGGER_LIFETIME_S:
            raise _ApiError(Rejection("expired_trigger_id"))
        view = params["view"]
        _check(modal_rejection(view))
        self._used_triggers.add(trigger_id)
        opened = self._view_object(
            view,
            "modal",
            title=view["title"],
            submit=view.get("submit"),
            close=view.get("close"),
            clear_on_close=bool(view.get("clear_on_close", False)),
            notify_on_close=bool(view.get("notify_on_close", False)),
        )
        self._modals.append(opened)
        return {"ok": True, "view": opened}

    # Helpers (called with the lock held)

    def _view_object(self, view: dict[str, Any], kind: str, **fields: Any) -> dict[str, Any]:
        """A new view as views.publish and views.open return it: what `view` sent, the ids
        Slack adds, and the `fields` that differ between a Home tab and a modal."""
        view_id = self._new_id("V")
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": kind,
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": secrets.token_hex(8),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
            **fields,
        }

    def _record_violation(self, method: str, rejection: Rejection) -> None:
        detail = "; ".join(rejection.details)
        self.violations.append(f"{method}: {rejection.error}" + (f" ({detail})" if detail else ""))

    def _add_fault(self, method: str, fault: _Fault, times: int) -> None:
        with self._lock:
            self._faults[method].extend([fault] * times)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):08d}"

    def _new_ts(self) -> str:
        return f"{self._epoch}.{next(self._serial):06d}"

    def _existing_file(self, file_id: str) -> _File:
        stored = self._files.get(file_id)
        if stored is None:
            raise _ApiError(Rejection("file_not_found"))
        if stored.deleted:
            raise _ApiError(Rejection("file_deleted"))
        return stored

    def _open_im(self, user_id: str) -> str:
        """Posting to a user id posts in the bot's im with that person, as Slack does."""
        channel_id = f"D{user_id[1:]}"
        self._channels.setdefault(
            channel_id, _Channel(channel_id, "im", channel_id.lower(), True, user_id)
        )
        return channel_id

    def _lookup_channel(self, channel_id: str) -> _Channel | None:
        channel = self._channels.get(channel_id)
        if channel is None and channel_id.startswith("C"):
            channel = _Channel(channel_id, "public", channel_id.lower(), True, None)
        return channel

    def _require_membership(self, channel_id: str) -> None:
        channel = self._channels.get(channel_id)
        if channel is not None and not channel.bot_is_member:
            raise _ApiError(Rejection("not_in_channel"))

    def _channel_object(self, channel: _Channel) -> dict[str, Any]:
        common: dict[str, Any] = {
            "id": channel.id,
            "created": self._epoch,
            "is_archived": False,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
            "updated": self._epoch * 1000,
        }
        if channel.kind == "im":
            return common | {
                "is_im": True,
                "user": channel.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        # Private channels made before March 2021 have "G" ids and count as groups.
        legacy_group = channel.kind == "private" and channel.id.startswith("G")
        is_group = legacy_group or channel.kind == "mpim"
        return common | {
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": channel.kind in ("public", "private") and not legacy_group,
            "is_group": is_group,
            "is_im": False,
            "is_mpim": channel.kind == "mpim",
            "is_private": channel.kind != "public",
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "is_member": channel.bot_is_member,
            "creator": "U_ADMIN",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }

    def _channel_kind(self, channel_id: str) -> ChannelKind:
        channel = self._channels.get(channel_id)
        if channel is not None:
            return channel.kind
        if channel_id.startswith("D"):
            return "im"
        return "private" if channel_id.startswith("G") else "public"

    def _shares(self, stored: _File) -> dict[str, dict[str, list[dict[str, Any]]]]:
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for channel in stored.channels:
            scope = "public" if self._channel_kind(channel) == "public" else "private"
            shares.setdefault(scope, {})[channel] = [
                {"ts": stored.share_ts, "channel_name": channel.lower(), "team_id": TEAM_ID}
            ]
        return shares

    def _file_object(self, stored: _File) -> dict[str, Any]:
        by_kind: defaultdict[str, list[str]] = defaultdict(list)
        for channel in stored.channels:
            by_kind[self._channel_kind(channel)].append(channel)
        quoted = quote(stored.name, safe="")
        private_url = f"{self.base_url}/files-pri/{TEAM_ID}-{stored.id}"
        return {
            "id": stored.id,
            "created": stored.created,
            "timestamp": stored.created,
            "name": stored.name,
            "title": stored.title,
            "mimetype": stored.mimetype,
            "filetype": stored.filetype,
            "pretty_type": stored.filetype.upper(),
            "user": stored.user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": stored.size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(by_kind["public"]),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{private_url}/{quoted}",
            "url_private_download": f"{private_url}/download/{quoted}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{stored.user}/{stored.id}/{quoted}",
            "channels": by_kind["public"],
            "groups": by_kind["private"] + by_kind["mpim"],
            "ims": by_kind["im"],
            "shares": self._shares(stored),
            "comments_count": 0,
            "has_rich_preview": False,
            "file_access": "visible",
        }


class ForeignHost:
    """A host that is not Slack (127.0.0.2), serving files and noting every request.

    Tests point a redirect at it to prove the bot token never leaves Slack's hosts.
    """

    def __init__(self, *, host: str = "127.0.0.2") -> None:
        self.requests: list[RecordedRequest] = []
        self._files: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        app = new_application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._server = BackgroundServer(app, host=host)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def serve(self, path: str, content: bytes, content_type: str) -> str:
        """Serve `content` at `path` (e.g. "/files/card.png"); returns its URL."""
        with self._lock:
            self._files[path] = (content, content_type)
        return f"{self.base_url}{path}"

    @property
    def saw_authorization(self) -> bool:
        """Whether any request so far carried an Authorization header."""
        with self._lock:
            return any("Authorization" in request.headers for request in self.requests)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.requests.append(
                RecordedRequest(request.method, request.path, _snapshot(request.headers))
            )
            served = self._files.get(request.path)
        if served is None:
            return web.Response(status=404, text="not found")
        content, content_type = served
        return web.Response(body=content, content_type=content_type)

"""Find a shared file's real object and download it without leaking the bot token.

The token goes only to Slack's own hosts (and SLACK_API_URL's origin, so a local fake
works). Redirects are followed here, one hop at a time, because that is where the
token decision has to be made: httpx would either follow none or drop the header on
Enterprise Grid's files.slack.com -> files-origin.slack.com hop.
"""

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    ConnectionFailed,
    DownloadRefusal,
    FileGone,
    FileTooLarge,
    NotDownloadable,
    Refused,
    Service,
    Unavailable,
    UpstreamError,
)
from bot.http import http_client
from bot.slack.failures import SLACK_FAILURES, describe

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_SLACK_DOMAINS = ("slack.com", "slack-files.com")
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Slack's sign-in page, optionally after a byte-order mark and whitespace.
_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html)", re.IGNORECASE)


def may_send_token(url: str | httpx.URL, *, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`.

    Yes for https on slack.com, slack-files.com or their subdomains (default port), and for
    the exact scheme, host and port of SLACK_API_URL; never for a URL carrying userinfo.

    >>> may_send_token("https://files.slack.com/files-pri/T1-F1/a.png", api_url="https://slack.com/api/")
    True
    >>> may_send_token("https://slack.com@evil.example/a.png", api_url="https://slack.com/api/")
    False
    """
    try:
        target = httpx.URL(url)
        api = httpx.URL(api_url)
    except httpx.InvalidURL:
        return False
    if target.scheme not in ("http", "https") or not target.raw_host:
        return False
    if target.userinfo:
        return False  # Slack never puts credentials in its URLs; here they only disguise a host
    if (target.scheme, target.raw_host, target.port) == (api.scheme, api.raw_host, api.port):
        return True
    host = target.raw_host.decode("ascii")  # IDNA-encoded, so look-alike letters cannot match
    on_slack = any(host == domain or host.endswith("." + domain) for domain in _SLACK_DOMAINS)
    return on_slack and target.scheme == "https" and target.port is None


@dataclass(frozen=True)
class SlackFile:
    """The parts of a Slack file object the bot uses."""

    id: str
    name: str
    mimetype: str
    filetype: str
    size: int | None
    url_private_download: str | None = field(repr=False)  # kept out of logs
    user: str | None
    # The conversations it is shared in, as far as the object says (files.info lists them).
    channels: frozenset[str] = frozenset()

    @classmethod
    def from_api(cls, obj: dict[str, Any]) -> "SlackFile":
        size = obj.get("size")
        url = obj.get("url_private_download")
        user = obj.get("user")
        return cls(
            id=str(obj["id"]),
            name=str(obj.get("name") or ""),
            mimetype=str(obj.get("mimetype") or ""),
            filetype=str(obj.get("filetype") or ""),
            size=size if isinstance(size, int) else None,
            url_private_download=url if isinstance(url, str) and url else None,
            user=user if isinstance(user, str) else None,
            channels=_shared_in(obj),
        )


def _shared_in(obj: dict[str, Any]) -> frozenset[str]:
    """The ids in `channels`, `groups` and `ims`, and under `shares` (public and private)."""
    ids: set[str] = set()
    for key in ("channels", "groups", "ims"):
        listed = obj.get(key)
        if isinstance(listed, list):
            ids.update(item for item in listed if isinstance(item, str))
    shares = obj.get("shares")
    if isinstance(shares, dict):
        for scope in shares.values():
            if isinstance(scope, dict):
                ids.update(channel for channel in scope if isinstance(channel, str))
    return frozenset(ids)


# Slack's codes for what the bot itself saw go wrong, beside the Web API's own ("missing_scope").
MISSING_SCOPE = "missing_scope"
TOO_MANY_REDIRECTS = "too_many_redirects"
NOT_A_FILE = "not_a_file"


def _scope_missing(detail: str) -> AuthenticationFailed:
    """Slack answered its HTML sign-in page, or files.info said so: no files:read scope."""
    return AuthenticationFailed(detail, service=Service.SLACK, code=MISSING_SCOPE)


def _network(detail: str) -> ConnectionFailed:
    return ConnectionFailed(detail, service=Service.SLACK)


def _http_failure(detail: str, status: int) -> UpstreamError:
    """Slack could not serve the file: worth another try when Slack's server was at fault."""
    if status >= httpx.codes.INTERNAL_SERVER_ERROR:
        return Unavailable(detail, service=Service.SLACK, http_status=status)
    return Refused(detail, service=Service.SLACK, http_status=status)


def _too_large(limit_bytes: int) -> FileTooLarge:
    return FileTooLarge(f"file over the {limit_bytes}-byte limit", limit_bytes=limit_bytes)


class SlackFileDownloader:
    """Resolves shared files and downloads them with the bot token of `client`."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        api_url: str,
        max_bytes: int,
        timeout_s: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not client.token:
            raise ValueError("the Slack client has no bot token")
        self._client = client
        self._api_url = api_url
        self._max_bytes = max_bytes
        self._http = http_client(timeout_s=timeout_s, transport=transport)

    async def resolve(self, file: dict[str, Any]) -> SlackFile:
        """The file object to download: the event's own, or files.info's when the event's
        is a Slack Connect placeholder or has no download URL (e.g. a file_shared event)."""
        if file.get("file_access") != "check_file_info" and file.get("url_private_download"):
            return SlackFile.from_api(file)
        file_id = str(file["id"])
        try:
            response = await self._client.files_info(file=file_id)
        except SlackApiError as error:
            code = str(error.response.get("error"))
            log.warning("files.info for file %s failed: %s", file_id, code)
            if code in ("file_not_found", "file_deleted"):
                raise FileGone("files.info: file gone", code=code) from None
            if code == MISSING_SCOPE:
                raise _scope_missing("files.info: missing_scope") from None
            raise Refused("files.info failed", service=Service.SLACK, code=code) from None
        except SLACK_FAILURES as error:
            log.warning("files.info for file %s failed: %s", file_id, describe(error))
            raise _network(f"files.info: {describe(error)}") from None
        return SlackFile.from_api(response["file"])

    def check_size(self, file: SlackFile) -> None:
        """Refuse from the declared size, before anything is downloaded."""
        if file.size is not None and file.size > self._max_bytes:
            log.info(
                "file %s: declared size %d bytes is over the %d-byte limit",
                file.id,
                file.size,
                self._max_bytes,
            )
            raise _too_large(self._max_bytes)

    async def download(self, file: SlackFile) -> bytes:
        """The file's bytes, fetched from its url_private_download with the bot token."""
        self.check_size(file)
        if file.url_private_download is None:
            raise NotDownloadable("no download URL", reason=DownloadRefusal.EXTERNAL)
        try:
            url = httpx.URL(file.url_private_download)
        except httpx.InvalidURL:
            raise NotDownloadable("invalid download URL", reason=DownloadRefusal.EXTERNAL) from None
        if not may_send_token(url, api_url=self._api_url):
            log.warning("file %s: refused, its download URL is on host %r", file.id, url.host)
            raise NotDownloadable("download URL off Slack", reason=DownloadRefusal.FOREIGN_HOST)
        send_token = True
        for _ in range(MAX_REDIRECTS + 1):
            # Once a redirect has left Slack, the rest of the chain is not Slack's to
            # choose: the token is not sent again, even to a URL that looks like Slack.
            send_token = send_token and may_send_token(url, api_url=self._api_url)
            headers = {"Authorization": f"Bearer {self._client.token}"} if send_token else {}
            try:
                async with self._http.stream("GET", url, headers=headers) as response:
                    if response.status_code in _REDIRECT_STATUSES:
                        url = self._redirect_target(file, response)
                        continue
                    return await self._read_body(file, response, sent_token=send_token)
            except httpx.HTTPError as error:
                # A body cut short despite its Content-Length lands here too (a
                # ReadError): retryable, so the job is tried again.
                log.warning(
                    "file %s: download from host %r failed: %s",
                    file.id,
                    url.host,
                    type(error).__name__,
                )
                raise _network(f"download: {type(error).__name__}") from None
        log.warning("file %s: more than %d redirects; stopped", file.id, MAX_REDIRECTS)
        raise BadResponse(
            f"more than {MAX_REDIRECTS} redirects", service=Service.SLACK, code=TOO_MANY_REDIRECTS
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _redirect_target(self, file: SlackFile, response: httpx.Response) -> httpx.URL:
        location = response.headers.get("location", "")
        try:
            target = response.url.join(location) if location else None
        except httpx.InvalidURL:
            target = None
        if target is None:
            log.warning("file %s: HTTP %d with no usable Location", file.id, response.status_code)
            raise _http_failure("redirect without a usable Location", response.status_code)
        log.info("file %s: redirected to host %r", file.id, target.host)
        return target

    async def _read_body(
        self, file: SlackFile, response: httpx.Response, *, sent_token: bool
    ) -> bytes:
        if response.status_code != httpx.codes.OK:
            log.warning(
                "file %s: HTTP %d from host %r", file.id, response.status_code, response.url.host
            )
            if response.status_code in (httpx.codes.NOT_FOUND, httpx.codes.GONE):
                raise FileGone("download: file gone", http_status=response.status_code)
            raise _http_failure("download failed", response.status_code)
        # Joined once at the end: a growing bytearray is copied as it grows, then again
        # into bytes.
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            received += len(chunk)
            if received > self._max_bytes:
                log.warning(
                    "file %s: body passed the %d-byte limit; download aborted",
                    file.id,
                    self._max_bytes,
                )
                raise _too_large(self._max_bytes)
        body = b"".join(chunks)
        if _is_web_page(file, response, body):
            if sent_token:
                log.warning("file %s: Slack sent its sign-in page; files:read is missing", file.id)
                raise _scope_missing("download: Slack's sign-in page")
            log.warning("file %s: an HTML page came back from host %r", file.id, response.url.host)
            raise BadResponse(
                "download: a web page, not the file", service=Service.SLACK, code=NOT_A_FILE
            )
        if file.size is not None and len(body) < file.size:
            # A cut the transport did not notice (no Content-Length, say): half an image
            # must never reach the OCR as if it were the whole file.
            log.warning(
                "file %s: got %d of its %d bytes; the download was cut short",
                file.id,
                len(body),
                file.size,
            )
            raise _network("download: cut short")
        log.info("file %s: downloaded %d bytes", file.id, len(body))
        return body


def _is_web_page(file: SlackFile, response: httpx.Response, body: bytes) -> bool:
    """Whether a page came back instead of the file: HTML served as `text/html` for a file
    Slack does not call HTML (its sign-in page, without files:read).

    A file's own bytes come with its own type, whatever they hold: an HTML page that a
    person uploaded as scan.pdf is that person's file, for the preflight to judge.
    """
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    declared_html = file.mimetype.lower() == "text/html" or file.filetype.lower() == "html"
    return content_type == "text/html" and not declared_html and bool(_HTML_START.match(body))

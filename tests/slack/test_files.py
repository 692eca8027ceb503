"""Resolving and downloading shared files, against the fake Slack over real HTTP."""

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.errors import explain
from bot.config import Settings
from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    BotError,
    ConnectionFailed,
    FileGone,
    FileTooLarge,
    NotDownloadable,
)
from bot.i18n import Language
from bot.slack.client import create_web_client
from bot.slack.files import MAX_REDIRECTS, SlackFile, SlackFileDownloader
from fakes.server import BackgroundServer, new_application
from fakes.slack import FakeSlack, ForeignHost
from tests.support.endless import EndlessBody

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
LIMIT = 2_000_000
CHANNEL = "C_FINANCE"

MakeDownloader = Callable[..., Awaitable[SlackFileDownloader]]


class Redirector:
    """A host that is not Slack (127.0.0.3) answering 302 wherever a test points each path."""

    def __init__(self) -> None:
        self.requests: list[Mapping[str, str]] = []
        self._targets: dict[str, str] = {}
        app = new_application()
        app.router.add_get("/{path:.*}", self._handle)
        self.server = BackgroundServer(app, host="127.0.0.3")

    def point(self, path: str, location: str) -> str:
        self._targets[path] = location
        return f"{self.server.base_url}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.headers))
        return web.Response(status=302, headers={"Location": self._targets[request.path]})


@pytest.fixture
def redirector() -> Iterator[Redirector]:
    redirector = Redirector()
    with redirector.server:
        yield redirector


@pytest.fixture
async def web_client(fake_slack: FakeSlack) -> AsyncWebClient:
    settings = Settings(
        _env_file=None,
        slack_bot_token=SecretStr(fake_slack.bot_token),
        slack_api_url=fake_slack.api_url,
    )
    return create_web_client(settings, retry_interval=FixedValueRetryIntervalCalculator(0))


@pytest.fixture
async def make_downloader(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> AsyncIterator[MakeDownloader]:
    made: list[SlackFileDownloader] = []

    async def make(*, max_bytes: int = LIMIT, api_url: str | None = None) -> SlackFileDownloader:
        downloader = SlackFileDownloader(
            web_client, api_url=api_url or fake_slack.api_url, max_bytes=max_bytes, timeout_s=5
        )
        made.append(downloader)
        return downloader

    yield make
    for downloader in made:
        await downloader.aclose()


@pytest.fixture
async def downloader(make_downloader: MakeDownloader) -> SlackFileDownloader:
    return await make_downloader()


def add_png(fake: FakeSlack, **options: Any) -> dict[str, Any]:
    return fake.add_file("certificate.png", PNG, "image/png", "png", channel=CHANNEL, **options)


def assert_clean(error: BotError, fake: FakeSlack) -> None:
    """Every error reads in both languages and never carries the token."""
    said = explain(error)
    assert said(Language.EN)
    assert said(Language.KO)
    for shown in (str(error), said.en, said.ko):
        assert fake.bot_token not in shown
        assert fake.base_url not in shown


# Resolving the event's file


async def test_an_event_file_is_downloaded_with_the_bot_token(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    event_file = add_png(fake_slack)

    file = await downloader.resolve(event_file)
    content = await downloader.download(file)

    assert content == PNG
    assert fake_slack.calls_to("files.info") == []
    (request,) = fake_slack.downloads
    assert request.file_id == event_file["id"]
    assert request.served == "file"
    assert request.headers["Authorization"] == f"Bearer {fake_slack.bot_token}"


async def test_an_event_file_keeps_its_fields(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    event_file = add_png(fake_slack, user="U_ACCOUNTANT")

    file = await downloader.resolve(event_file)

    assert file == SlackFile(
        id=event_file["id"],
        name="certificate.png",
        mimetype="image/png",
        filetype="png",
        size=len(PNG),
        url_private_download=event_file["url_private_download"],
        user="U_ACCOUNTANT",
        channels=frozenset({CHANNEL}),  # where it is shared: `channels` and `shares`
    )
    assert "files-pri" not in repr(file)


async def test_slack_connect_file_is_looked_up_once_with_files_info(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    stub = add_png(fake_slack, file_access="check_file_info")
    assert "url_private_download" not in stub

    file = await downloader.resolve(stub)

    (call,) = fake_slack.calls_to("files.info")
    assert call.params["file"] == stub["id"]
    full = fake_slack.file_object(stub["id"])
    assert file.url_private_download == full["url_private_download"]
    assert file.size == len(PNG)
    assert await downloader.download(file) == PNG


async def test_check_file_info_wins_over_the_fields_the_event_carries(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    event_file = add_png(fake_slack) | {"file_access": "check_file_info", "size": 0}

    file = await downloader.resolve(event_file)

    assert len(fake_slack.calls_to("files.info")) == 1
    assert file.size == len(PNG)


async def test_a_file_shared_event_id_is_looked_up_with_files_info(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    file_id = add_png(fake_slack)["id"]

    file = await downloader.resolve({"id": file_id})

    assert len(fake_slack.calls_to("files.info")) == 1
    assert file.name == "certificate.png"


async def test_a_missing_file_is_a_download_failure(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    with pytest.raises(FileGone) as raised:
        await downloader.resolve({"id": "F_GONE", "file_access": "check_file_info"})

    assert "deleted" in explain(raised.value).en
    assert_clean(raised.value, fake_slack)
    assert [call.error for call in fake_slack.calls_to("files.info")] == ["file_not_found"]


async def test_files_info_without_files_read_names_the_scope(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    stub = add_png(fake_slack, file_access="check_file_info")
    fake_slack.fail_next("files.info", error="missing_scope", status=200, retry_after=None)

    with pytest.raises(AuthenticationFailed):
        await downloader.resolve(stub)


async def test_a_file_deleted_before_the_download_is_a_download_failure(
    fake_slack: FakeSlack, web_client: AsyncWebClient, downloader: SlackFileDownloader
) -> None:
    file = await downloader.resolve(add_png(fake_slack))
    fake_slack.files_deletable = True
    await web_client.files_delete(file=file.id)

    with pytest.raises(FileGone) as raised:
        await downloader.download(file)

    assert "deleted" in explain(raised.value).en
    assert [request.served for request in fake_slack.downloads] == ["not_found"]


# Missing files:read


async def test_the_html_sign_in_page_means_files_read_is_missing(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    file = await downloader.resolve(add_png(fake_slack, serve="html_login"))

    with pytest.raises(AuthenticationFailed) as raised:
        await downloader.download(file)

    message = explain(raised.value)
    assert "files:read" in message(Language.EN)
    assert "reinstall" in message(Language.EN)
    assert "files:read" in message(Language.KO)
    assert "다시 설치" in message(Language.KO)
    assert_clean(raised.value, fake_slack)


@pytest.mark.parametrize(
    ("mimetype", "filetype"),
    [("application/pdf", "pdf"), ("image/png", "png"), ("text/html", "pdf")],
)
@pytest.mark.parametrize(
    "start", [b"<!DOCTYPE html>\n<html>", b"\n  <html lang='en'>", b"\xef\xbb\xbf<!doctype HTML>"]
)
async def test_html_a_person_uploaded_is_their_file_not_a_sign_in_page(
    fake_slack: FakeSlack,
    downloader: SlackFileDownloader,
    start: bytes,
    mimetype: str,
    filetype: str,
) -> None:
    # Slack serves a file's bytes with the file's own type (`mimetype`): the sign-in page
    # comes as text/html for a file Slack does not call HTML. Here it is the person's own
    # page, saved as scan.pdf: the bytes go to the preflight, which says what it is.
    html = start + b"<body>Quarterly report</body></html>"
    event_file = fake_slack.add_file("scan.pdf", html, mimetype, filetype, channel=CHANNEL)

    content = await downloader.download(await downloader.resolve(event_file))

    assert content == html
    [request] = fake_slack.downloads
    assert request.served == "file"


async def test_the_sign_in_page_of_a_pdf_means_files_read_is_missing(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    pdf = b"%PDF-1.7 a real certificate"
    event_file = fake_slack.add_file(
        "scan.pdf", pdf, "application/pdf", "pdf", channel=CHANNEL, serve="html_login"
    )

    with pytest.raises(AuthenticationFailed):
        await downloader.download(await downloader.resolve(event_file))


async def test_a_body_that_merely_mentions_html_is_a_file(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    content = b"%PDF-1.7 <html> appears later"
    event_file = fake_slack.add_file("a.pdf", content, "application/pdf", "pdf", channel=CHANNEL)

    assert await downloader.download(await downloader.resolve(event_file)) == content


# Redirects and the token


async def test_a_redirect_within_slack_keeps_the_token(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    target = add_png(fake_slack)
    source = fake_slack.add_file(
        "moved.png",
        b"",
        "image/png",
        "png",
        channel=CHANNEL,
        serve="redirect",
        redirect_to=target["url_private_download"],
    )

    content = await downloader.download(await downloader.resolve(source))

    assert content == PNG
    assert [request.served for request in fake_slack.downloads] == ["redirect", "file"]
    token = f"Bearer {fake_slack.bot_token}"
    assert all(request.headers["Authorization"] == token for request in fake_slack.downloads)


async def test_a_redirect_to_a_foreign_host_is_followed_without_the_token(
    fake_slack: FakeSlack, foreign_host: ForeignHost, downloader: SlackFileDownloader
) -> None:
    url = foreign_host.serve("/cdn/certificate.png", PNG, "image/png")
    source = add_png(fake_slack, serve="redirect", redirect_to=url)

    content = await downloader.download(await downloader.resolve(source))

    assert content == PNG
    assert len(foreign_host.requests) == 1
    assert not foreign_host.saw_authorization


async def test_after_leaving_slack_the_token_is_not_sent_even_back_on_slack(
    fake_slack: FakeSlack, redirector: Redirector, downloader: SlackFileDownloader
) -> None:
    target = add_png(fake_slack)
    bounce = redirector.point("/bounce", target["url_private_download"])
    source = add_png(fake_slack, serve="redirect", redirect_to=bounce)

    with pytest.raises(BadResponse) as raised:
        await downloader.download(await downloader.resolve(source))

    assert "web page" in explain(raised.value).en
    first, last = fake_slack.downloads
    assert "Authorization" in first.headers
    assert "Authorization" not in last.headers
    assert last.served == "html_login"
    assert all("Authorization" not in headers for headers in redirector.requests)


@pytest.mark.parametrize("shape", ["plain", "userinfo"])
async def test_a_download_url_off_slack_is_refused_before_any_request(
    fake_slack: FakeSlack, foreign_host: ForeignHost, downloader: SlackFileDownloader, shape: str
) -> None:
    url = foreign_host.serve("/files/card.png", PNG, "image/png")
    if shape == "userinfo":
        fake_origin = fake_slack.base_url.removeprefix("http://")
        url = url.replace("http://", f"http://{fake_origin}@")
    file = SlackFile.from_api(add_png(fake_slack) | {"url_private_download": url})

    with pytest.raises(NotDownloadable) as raised:
        await downloader.download(file)

    assert_clean(raised.value, fake_slack)
    assert foreign_host.requests == []


async def test_five_redirects_are_followed(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    head = add_png(fake_slack)
    for _ in range(MAX_REDIRECTS):
        head = add_png(fake_slack, serve="redirect", redirect_to=head["url_private_download"])

    assert await downloader.download(await downloader.resolve(head)) == PNG
    assert len(fake_slack.downloads) == MAX_REDIRECTS + 1


async def test_one_redirect_too_many_stops(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    end = add_png(fake_slack)
    head = end
    for _ in range(MAX_REDIRECTS + 1):
        head = add_png(fake_slack, serve="redirect", redirect_to=head["url_private_download"])

    with pytest.raises(BadResponse) as raised:
        await downloader.download(await downloader.resolve(head))

    assert "redirected too many times" in explain(raised.value).en
    assert len(fake_slack.downloads) == MAX_REDIRECTS + 1
    assert end["id"] not in [request.file_id for request in fake_slack.downloads]


async def test_a_redirect_loop_stops(
    fake_slack: FakeSlack, redirector: Redirector, downloader: SlackFileDownloader
) -> None:
    redirector.point("/a", "/b")
    loop_start = redirector.point("/b", "/a")
    source = add_png(fake_slack, serve="redirect", redirect_to=loop_start)

    with pytest.raises(BadResponse):
        await downloader.download(await downloader.resolve(source))

    assert len(fake_slack.downloads) + len(redirector.requests) == MAX_REDIRECTS + 1


# Sizes


async def test_a_declared_size_over_the_limit_is_refused_before_downloading(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    file = await downloader.resolve(add_png(fake_slack, size=LIMIT + 1))

    with pytest.raises(FileTooLarge) as check:
        downloader.check_size(file)
    with pytest.raises(FileTooLarge) as download:
        await downloader.download(file)

    assert fake_slack.downloads == []
    assert check.value.limit_bytes == download.value.limit_bytes == LIMIT
    assert "limit 2 MB" in explain(download.value).en
    assert "최대 2 MB" in explain(download.value).ko


async def test_a_declared_size_at_the_limit_is_accepted(
    fake_slack: FakeSlack, make_downloader: MakeDownloader
) -> None:
    downloader = await make_downloader(max_bytes=len(PNG))
    file = await downloader.resolve(add_png(fake_slack))

    downloader.check_size(file)
    assert await downloader.download(file) == PNG


@pytest.mark.parametrize("declared", [100, None])
async def test_a_body_larger_than_declared_is_cut_off_at_the_limit(
    fake_slack: FakeSlack, make_downloader: MakeDownloader, declared: int | None
) -> None:
    downloader = await make_downloader(max_bytes=len(PNG) - 1)
    event_file = add_png(fake_slack, size=100)
    if declared is None:
        del event_file["size"]

    file = await downloader.resolve(event_file)
    downloader.check_size(file)
    with pytest.raises(FileTooLarge) as raised:
        await downloader.download(file)

    assert raised.value.limit_bytes == len(PNG) - 1
    assert [request.served for request in fake_slack.downloads] == ["file"]


class EndlessFiles:
    """A Slack-like origin on 127.0.0.1 whose every file is an endless body."""

    def __init__(self) -> None:
        self.body = EndlessBody()
        app = new_application()
        app.router.add_get("/files-pri/{path:.*}", self._handle)
        self.server = BackgroundServer(app)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        return await self.body.send(request, content_type="image/png")


async def test_a_body_without_a_declared_size_is_aborted_once_past_the_limit(
    make_downloader: MakeDownloader,
) -> None:
    files = EndlessFiles()
    with files.server:
        downloader = await make_downloader(
            max_bytes=1_000_000, api_url=f"{files.server.base_url}/api/"
        )
        file = SlackFile.from_api(
            {"id": "F_HUGE", "url_private_download": f"{files.server.base_url}/files-pri/T-F/a.png"}
        )

        with pytest.raises(FileTooLarge):
            await downloader.download(file)
        assert await asyncio.to_thread(files.body.stopped.wait, 10)

    # The download stopped the server's writes: it never read the body to its end.
    assert not files.body.completed
    assert files.body.written < EndlessBody.SIZE


async def test_a_download_cut_short_is_a_network_failure_worth_another_try(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    file = await downloader.resolve(add_png(fake_slack))
    fake_slack.cut_next_download(after_bytes=len(PNG) // 2)

    with pytest.raises(ConnectionFailed) as raised:
        await downloader.download(file)

    assert raised.value.retryable
    assert [request.served for request in fake_slack.downloads] == ["cut"]
    assert await downloader.download(file) == PNG


# Failures and logs


async def test_an_unreachable_host_is_a_download_failure(
    fake_slack: FakeSlack, make_downloader: MakeDownloader
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_origin = f"http://127.0.0.1:{probe.getsockname()[1]}"
    downloader = await make_downloader(api_url=f"{dead_origin}/api/")
    file = SlackFile.from_api(
        add_png(fake_slack) | {"url_private_download": f"{dead_origin}/files-pri/T-F1/a.png"}
    )

    with pytest.raises(ConnectionFailed) as raised:
        await downloader.download(file)

    assert raised.value.retryable
    assert "network" in explain(raised.value).en
    assert_clean(raised.value, fake_slack)


async def test_a_file_without_a_download_url_is_a_download_failure(
    fake_slack: FakeSlack, downloader: SlackFileDownloader
) -> None:
    file = SlackFile.from_api({"id": "F_EXTERNAL", "name": "sheet", "mode": "external"})

    with pytest.raises(NotDownloadable):
        await downloader.download(file)


async def test_logs_name_file_ids_but_never_the_token_or_urls(
    fake_slack: FakeSlack,
    foreign_host: ForeignHost,
    downloader: SlackFileDownloader,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = foreign_host.serve("/cdn/a.png", PNG, "image/png") + "?sig=secret-signature"
    source = add_png(fake_slack, serve="redirect", redirect_to=url)
    login = add_png(fake_slack, serve="html_login")

    await downloader.download(await downloader.resolve(source))
    with pytest.raises(AuthenticationFailed):
        await downloader.download(await downloader.resolve(login))

    bot_logs = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith("bot.")
    )
    assert source["id"] in bot_logs
    assert login["id"] in bot_logs
    assert fake_slack.bot_token not in caplog.text
    assert "sig=" not in bot_logs
    assert "files-pri" not in bot_logs

"""Files on the fake: files.info, downloads, files_upload_v2, deletes and response_url."""

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from fakes.slack import BOT_TOKEN, BOT_USER_ID, FakeSlack, ForeignHost, Serve

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
AUTH = {"Authorization": f"Bearer {BOT_TOKEN}"}


# name, content, mimetype, filetype of a certificate someone shares
CERTIFICATE = ("사업자등록증.png", PNG, "image/png", "png")


async def test_files_info_returns_the_registered_file(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ", user="U_KIM")

    info = (await slack_client.files_info(file=shared["id"]))["file"]

    assert info == shared
    assert str(info["id"]).startswith("F")
    assert (info["name"], info["mimetype"], info["filetype"]) == (
        "사업자등록증.png",
        "image/png",
        "png",
    )
    assert (info["size"], info["user"], info["channels"]) == (len(PNG), "U_KIM", ["C_BIZ"])
    assert info["url_private_download"].startswith(f"{fake_slack.base_url}/files-pri/")


async def test_a_file_in_a_private_channel_is_listed_under_groups(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.add_channel("C_FIN", "private")

    shared = fake_slack.add_file("card.jpg", b"jpg", "image/jpeg", "jpg", channel="C_FIN")

    assert (shared["channels"], shared["groups"], shared["is_public"]) == ([], ["C_FIN"], False)


async def test_slack_connect_files_come_as_a_stub(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    stub = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ", file_access="check_file_info")

    info = (await slack_client.files_info(file=stub["id"]))["file"]

    assert stub["file_access"] == "check_file_info"
    assert "url_private_download" not in stub
    assert info["url_private_download"]
    assert info == fake_slack.file_object(stub["id"])


async def test_a_reported_size_can_exceed_the_bytes(fake_slack: FakeSlack) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ", size=60_000_000)

    assert shared["size"] == 60_000_000


async def test_files_info_of_an_unknown_file(slack_client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await slack_client.files_info(file="F_NONE")

    assert raised.value.response["error"] == "file_not_found"


async def test_download_with_the_bot_token_gets_the_bytes(fake_slack: FakeSlack) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")

    async with httpx.AsyncClient() as http:
        response = await http.get(shared["url_private_download"], headers=AUTH)

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG
    [download] = fake_slack.downloads
    assert (download.file_id, download.served) == (shared["id"], "file")
    assert download.headers["authorization"] == AUTH["Authorization"]


@pytest.mark.parametrize(
    ("headers", "serve"),
    [({}, "file"), ({"Authorization": "Bearer xoxb-other"}, "file"), (AUTH, "html_login")],
    ids=["no-token", "wrong-token", "token-without-files-read"],
)
async def test_download_without_access_gets_an_html_sign_in_page(
    fake_slack: FakeSlack, headers: dict[str, str], serve: Serve
) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ", serve=serve)

    async with httpx.AsyncClient() as http:
        response = await http.get(shared["url_private"], headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert PNG not in response.content
    assert [download.served for download in fake_slack.downloads] == ["html_login"]


async def test_a_redirected_download_never_takes_the_token_to_a_foreign_host(
    fake_slack: FakeSlack, foreign_host: ForeignHost
) -> None:
    target = foreign_host.serve("/origin/card.png", PNG, "image/png")
    shared = fake_slack.add_file(
        *CERTIFICATE, channel="C_BIZ", serve="redirect", redirect_to=target
    )

    async with httpx.AsyncClient(follow_redirects=True) as http:
        response = await http.get(shared["url_private_download"], headers=AUTH)

    assert response.content == PNG
    assert [download.served for download in fake_slack.downloads] == ["redirect"]
    assert [request.path for request in foreign_host.requests] == ["/origin/card.png"]
    assert foreign_host.saw_authorization is False


async def test_the_foreign_host_notices_a_token(foreign_host: ForeignHost) -> None:
    url = foreign_host.serve("/leak.png", PNG, "image/png")

    async with httpx.AsyncClient() as http:
        await http.get(url, headers=AUTH)

    assert foreign_host.saw_authorization is True
    assert foreign_host.base_url.startswith("http://127.0.0.2:")


async def test_redirect_needs_a_target(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="redirect_to"):
        fake_slack.add_file(*CERTIFICATE, channel="C_BIZ", serve="redirect")


async def test_files_upload_v2_end_to_end(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    report = "사업자번호,상태\n220-81-62517,계속사업자\n".encode()

    response = await slack_client.files_upload_v2(
        channel="C_BIZ",
        filename="report.csv",
        content=report,
        title="조회 결과",
        initial_comment="결과입니다",
        thread_ts="1700000000.000100",
    )

    [upload] = fake_slack.uploads
    assert upload.content == report
    assert (upload.filename, upload.title, upload.channels) == (
        "report.csv",
        "조회 결과",
        ("C_BIZ",),
    )
    assert (upload.initial_comment, upload.thread_ts) == ("결과입니다", "1700000000.000100")
    uploaded = response["file"]
    assert (uploaded["id"], uploaded["user"], uploaded["channels"]) == (
        upload.file_id,
        BOT_USER_ID,
        ["C_BIZ"],
    )
    assert (uploaded["mimetype"], uploaded["filetype"]) == ("text/csv", "csv")
    async with httpx.AsyncClient() as http:
        downloaded = await http.get(uploaded["url_private_download"], headers=AUTH)
    assert downloaded.content == report


async def test_uploading_where_the_bot_is_not_a_member(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.add_channel("C_OTHER", bot_is_member=False)

    with pytest.raises(SlackApiError) as raised:
        await slack_client.files_upload_v2(channel="C_OTHER", filename="a.txt", content=b"a")

    assert raised.value.response["error"] == "not_in_channel"
    assert fake_slack.uploads == []


async def test_uploading_other_bytes_than_declared_is_a_violation(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    issued = await slack_client.files_getUploadURLExternal(filename="a.txt", length=10)

    async with httpx.AsyncClient() as http:
        response = await http.post(issued["upload_url"], content=b"12345")

    assert response.status_code == 200
    assert fake_slack.take_violations() == [
        f"upload: {issued['file_id']} sent 5 bytes, files.getUploadURLExternal declared 10"
    ]


async def test_a_users_file_cannot_be_deleted_by_default(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")

    with pytest.raises(SlackApiError) as raised:
        await slack_client.files_delete(file=shared["id"])

    assert raised.value.response["error"] == "cant_delete_file"
    assert (await slack_client.files_info(file=shared["id"]))["ok"] is True


async def test_a_deletable_file_is_gone_after_delete(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.files_deletable = True
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")

    await slack_client.files_delete(file=shared["id"])

    with pytest.raises(SlackApiError) as raised:
        await slack_client.files_info(file=shared["id"])
    assert raised.value.response["error"] == "file_deleted"
    async with httpx.AsyncClient() as http:
        response = await http.get(shared["url_private_download"], headers=AUTH)
    assert response.status_code == 404


async def test_response_url_records_what_the_app_posts(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url()
    webhook = AsyncWebhookClient(url)

    response = await webhook.send(text="휴업", response_type="in_channel")

    assert (response.status_code, response.body) == (200, "ok")
    assert fake_slack.responses(url) == [{"text": "휴업", "response_type": "in_channel"}]
    assert fake_slack.responses(fake_slack.response_url()) == []


async def test_response_url_refuses_what_slack_refuses(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url()
    webhook = AsyncWebhookClient(url)

    empty = await webhook.send_dict({"response_type": "ephemeral"})
    deleted = await webhook.send_dict({"delete_original": True})
    for _ in range(3):
        await webhook.send(text="ok")
    sixth = await webhook.send(text="once too often")

    assert (empty.status_code, empty.body) == (400, "no_text")
    assert deleted.status_code == 200
    assert sixth.status_code == 404
    assert fake_slack.take_violations() == [
        "response_url: no_text",
        "response_url: used 6 times, Slack allows 5",
    ]


async def test_a_response_url_never_issued(fake_slack: FakeSlack) -> None:
    response = await AsyncWebhookClient(f"{fake_slack.base_url}/commands/T0001/9/x").send(text="t")

    assert response.status_code == 404
    assert fake_slack.take_violations() == ["response_url: POST to a URL never issued"]


async def test_a_cut_download_sends_part_of_the_body_then_closes(fake_slack: FakeSlack) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")
    fake_slack.cut_next_download(after_bytes=100)
    received = bytearray()

    async with httpx.AsyncClient() as http:
        async with http.stream("GET", shared["url_private_download"], headers=AUTH) as cut:
            with pytest.raises(httpx.RemoteProtocolError):
                await read_into(cut, received)
        whole = await http.get(shared["url_private_download"], headers=AUTH)

    assert (cut.status_code, cut.headers["content-type"]) == (200, "image/png")
    assert cut.headers["content-length"] == str(len(PNG))  # the whole file's, as promised
    assert bytes(received) == PNG[:100]
    assert whole.content == PNG  # only the next download is cut
    assert [download.served for download in fake_slack.downloads] == ["cut", "file"]


async def read_into(response: httpx.Response, received: bytearray) -> None:
    async for chunk in response.aiter_bytes():
        received += chunk


async def test_cuts_apply_to_as_many_downloads_as_asked(fake_slack: FakeSlack) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")
    fake_slack.cut_next_download(after_bytes=0, times=2)

    async with httpx.AsyncClient() as http:
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(shared["url_private_download"], headers=AUTH)
        assert (await http.get(shared["url_private_download"], headers=AUTH)).content == PNG

    assert [download.served for download in fake_slack.downloads] == ["cut", "cut", "file"]


async def test_a_cut_is_kept_for_a_download_that_gets_the_file(fake_slack: FakeSlack) -> None:
    shared = fake_slack.add_file(*CERTIFICATE, channel="C_BIZ")
    fake_slack.cut_next_download(after_bytes=10)

    async with httpx.AsyncClient() as http:
        signed_out = await http.get(shared["url_private_download"])  # no token: sign-in page
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(shared["url_private_download"], headers=AUTH)

    assert [download.served for download in fake_slack.downloads] == ["html_login", "cut"]
    assert signed_out.text.startswith("<!DOCTYPE html>")


async def test_a_cut_needs_a_sensible_count(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="after_bytes"):
        fake_slack.cut_next_download(after_bytes=-1)
    with pytest.raises(ValueError, match="times"):
        fake_slack.cut_next_download(after_bytes=10, times=0)

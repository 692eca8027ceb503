import asyncio
import time

import httpx
import pytest

from bot.blocks.errors import explain
from bot.config import ConfigError, OcrApiVersion, Settings
from bot.errors import (
    BadResponse,
    CardNotFound,
    ConnectionFailed,
    FileTooLarge,
    InputError,
    RateLimited,
    Timeout,
    Unavailable,
    UnsupportedFileType,
)
from bot.ocr import OcrClient
from bot.ocr.errors import CODES, GATEWAY_HTTP_STATUS, error_for_code
from fakes.nhn import BUSINESS, CARD, STATUS, TOKEN, NhnFake, Reply
from tests.ocr.conftest import MakeClient
from tests.ocr.images import MINIMAL_PDF, noisy_png, plain_png

NUMBER = "2208162517"


async def test_an_image_below_the_recommended_size_is_low_resolution(
    make_client: MakeClient,
) -> None:
    result = await make_client("v1.1").business(plain_png((640, 400)), "small.png")
    assert result.resolution == "normal"  # what NHN said
    assert result.low_resolution


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
async def test_business_reads_a_certificate(
    fake_nhn: NhnFake, make_client: MakeClient, version: str
) -> None:
    client = make_client(version)
    assert client.api_version is OcrApiVersion(version)
    image = plain_png((1280, 720))  # the size NHN recommends: not low resolution
    result = await client.business(image, "사업자등록증.png")
    values = {item.key: item.value for item in result.key_values}
    assert values["등록번호"] == "220-81-62517"
    assert {
        "구분",
        "상호",
        "대표자",
        "개업연월일",
        "사업장 소재지",
        "본점 소재지",
        "업태",
        "종목",
        "법인등록번호",
    } <= set(values)
    assert len(result.boxes) == len(result.key_values)
    assert (result.file_type, result.unit_type, result.low_resolution) == ("png", "pixel", False)
    [sent] = fake_nhn.requests_to(BUSINESS)
    assert sent.path.startswith(f"/{version}/appkeys/")
    assert sent.body == {
        "filename": "사업자등록증.png",
        "content_type": "image/png",
        "size": len(image),
    }


async def test_business_sends_a_pdf_as_a_pdf(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    result = await make_client().business(MINIMAL_PDF, "cert.bin")
    assert (result.file_type, result.unit_type) == ("pdf", "point")
    [sent] = fake_nhn.requests_to(BUSINESS)
    assert sent.body is not None
    assert sent.body["content_type"] == "application/pdf"
    assert sent.body["filename"] == "cert.pdf"


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
async def test_business_status_per_number(
    fake_nhn: NhnFake, make_client: MakeClient, version: str
) -> None:
    fake_nhn.statuses[NUMBER] = "06"
    client = make_client(version)
    closed = await client.business_status(NUMBER)
    assert closed.status_code == "06"
    assert "폐업" in closed.status_message
    assert (await client.business_status("1248100998")).status_code == "01"
    assert fake_nhn.requests_to(STATUS)[0].body == {"businessNumber": NUMBER}


@pytest.mark.parametrize(
    "number",
    ["220-81-62517", "220816251", "22081625170", "２２０８１６２５１７", f"{NUMBER}\n", ""],
)
async def test_business_status_wants_ten_ascii_digits(
    fake_nhn: NhnFake, make_client: MakeClient, number: str
) -> None:
    with pytest.raises(InputError) as caught:
        await make_client().business_status(number)
    assert "10" in explain(caught.value).en
    assert fake_nhn.calls(STATUS) == 0


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
async def test_credit_card_returns_secret_digits(
    fake_nhn: NhnFake, make_client: MakeClient, version: str
) -> None:
    fake_nhn.card_number = "371449635398431"
    result = await make_client(version).credit_card(plain_png(), "card.png")
    assert [group.value.get_secret_value() for group in result.card_nums] == [
        "3714",
        "496353",
        "98431",
    ]
    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == "371449635398431"
    assert result.valid_thru is not None
    assert result.valid_thru.value == "12/29"
    assert len(result.card_num_boxes) == 3
    assert result.valid_thru_box is not None
    assert "371449635398431" not in repr(result) + result.model_dump_json()


async def test_a_pdf_card_is_refused_before_any_call(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    with pytest.raises(UnsupportedFileType):
        await make_client().credit_card(MINIMAL_PDF, "card.pdf")
    assert fake_nhn.calls(CARD) == 0
    assert fake_nhn.calls(TOKEN) == 0


async def test_v1_0_authenticates_with_the_secret_key_and_no_token(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    await make_client("v1.0").business_status(NUMBER)
    [sent] = fake_nhn.requests_to(STATUS)
    assert sent.headers["authorization"] == fake_nhn.secret_key
    assert "x-nhn-authorization" not in sent.headers
    assert fake_nhn.calls(TOKEN) == 0


def test_missing_credentials_fail_at_construction() -> None:
    with pytest.raises(ConfigError, match="NHN_OCR_APP_KEY"):
        OcrClient(Settings(_env_file=None, nhn_ocr_app_key=None, nhn_ocr_secret_key="s"))


# Error mapping: every code in the table, served by the fake.


@pytest.mark.parametrize(
    ("code", "http_status"),
    [(code, 200) for code in sorted(CODES)] + sorted(GATEWAY_HTTP_STATUS.items()),
)
async def test_every_result_code_becomes_its_error(
    fake_nhn: NhnFake, make_client: MakeClient, code: int, http_status: int
) -> None:
    spec = CODES[code]
    fake_nhn.script(STATUS, Reply.error(code, http_status=http_status))
    with pytest.raises(spec.error) as caught:
        await make_client("v1.0", ocr_max_attempts=1).business_status(NUMBER)
    error = caught.value
    assert type(error) is spec.error
    assert (error.code, error.http_status, error.retryable) == (code, http_status, spec.retryable)
    assert explain(error) == explain(error_for_code(code, endpoint="x", http_status=http_status))


@pytest.mark.parametrize("code", sorted(CODES))
async def test_retries_follow_the_table(
    fake_nhn: NhnFake, make_client: MakeClient, code: int
) -> None:
    fake_nhn.script(STATUS, *[Reply.error(code)] * 3)
    with pytest.raises(CODES[code].error):
        await make_client("v1.0", ocr_max_attempts=3).business_status(NUMBER)
    assert fake_nhn.calls(STATUS) == (3 if CODES[code].retryable else 1)


async def test_transient_failures_are_retried_until_success(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(
        CARD,
        Reply(http_status=503, body=b"<html>Service Unavailable</html>", content_type="text/html"),
        Reply.error(5000503),
        Reply.error(4000006),
    )
    result = await make_client(ocr_max_attempts=4).credit_card(plain_png(), "card.png")
    assert result.total_card_num is not None
    assert fake_nhn.calls(CARD) == 4


async def test_attempts_are_bounded(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    fake_nhn.script(BUSINESS, *[Reply.error(5030001)] * 10)
    with pytest.raises(Unavailable) as caught:
        await make_client(ocr_max_attempts=4).business(plain_png(), "a.png")
    assert caught.value.http_status == 503
    assert fake_nhn.calls(BUSINESS) == 4


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [
        (Reply(http_status=502, body=b"<html>Bad Gateway</html>", content_type="text/html"), True),
        (Reply(http_status=200, body=b"not json"), False),
        (Reply(http_status=200, body=b'{"result": {}}'), False),
        (
            Reply(http_status=200, body=b'{"header": {"isSuccessful": true, "resultCode": 0}}'),
            False,
        ),
    ],
    ids=["html-502", "not-json", "no-header", "no-result"],
)
async def test_answers_without_a_usable_header_are_invalid(
    fake_nhn: NhnFake, make_client: MakeClient, reply: Reply, retryable: bool
) -> None:
    fake_nhn.script(STATUS, reply)
    with pytest.raises(BadResponse) as caught:
        await make_client(ocr_max_attempts=1).business_status(NUMBER)
    assert caught.value.retryable is retryable


async def test_a_result_of_the_wrong_shape_is_invalid(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(CARD, Reply.ok({"cardNums": [{"value": {"nested": "5555555555554444"}}]}))
    with pytest.raises(BadResponse) as caught:
        await make_client().credit_card(plain_png(), "card.png")
    assert "cardNums.0.value" in str(caught.value)
    assert "5555555555554444" not in str(caught.value)


@pytest.mark.parametrize("http_status", [413, 429])
async def test_gateway_statuses_without_a_header_still_mean_their_code(
    fake_nhn: NhnFake, make_client: MakeClient, http_status: int
) -> None:
    fake_nhn.script(
        STATUS, Reply(http_status=http_status, body=b"<html></html>", content_type="text/html")
    )
    with pytest.raises((FileTooLarge, RateLimited)) as caught:
        await make_client(ocr_max_attempts=1).business_status(NUMBER)
    assert caught.value.code == {413: 4131000, 429: 4291000}[http_status]


async def test_a_non_retryable_error_stops_at_once(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(CARD, Reply.error(4000111), Reply.ok())
    with pytest.raises(CardNotFound):
        await make_client(ocr_max_attempts=5).credit_card(plain_png(), "card.png")
    assert fake_nhn.calls(CARD) == 1


# Timeouts, deadline, Retry-After.


async def test_a_slow_answer_times_out_and_is_retried(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.delay(1.0))
    result = await make_client(ocr_timeout_s=0.1, ocr_max_attempts=2).business_status(NUMBER)
    assert result.status_code == "01"
    assert fake_nhn.calls(STATUS) == 2


async def test_timeouts_on_every_attempt_raise_ocr_timeout(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.delay(1.0), Reply.delay(1.0))
    with pytest.raises(Timeout) as caught:
        await make_client(ocr_timeout_s=0.1, ocr_max_attempts=2).business_status(NUMBER)
    assert caught.value.retryable
    assert fake_nhn.calls(STATUS) == 2


async def test_the_overall_deadline_cuts_a_hanging_call(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.delay(30))
    started = time.monotonic()
    with pytest.raises(Timeout, match="deadline"):
        await make_client(ocr_timeout_s=60, ocr_deadline_s=0.3).business_status(NUMBER)
    assert time.monotonic() - started < 10  # far below the 30 s the fake would hang


async def test_no_retry_is_started_that_would_end_after_the_deadline(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.error(4291000, headers={"Retry-After": "3600"}), Reply.ok())
    with pytest.raises(RateLimited) as caught:
        await make_client(ocr_deadline_s=5).business_status(NUMBER)
    assert caught.value.retry_after_s == 3600
    assert fake_nhn.calls(STATUS) == 1


async def test_retry_after_is_honoured(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    fake_nhn.script(STATUS, Reply.error(4000006, headers={"Retry-After": "0.3"}))
    started = time.monotonic()
    await make_client(backoff_base_s=0).business_status(NUMBER)
    assert time.monotonic() - started >= 0.3
    assert fake_nhn.calls(STATUS) == 2


async def test_retry_after_as_an_http_date(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    fake_nhn.script(
        STATUS, Reply.error(5030001, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    )
    with pytest.raises(Unavailable) as caught:
        await make_client().business_status(NUMBER)
    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s > 86400
    assert fake_nhn.calls(STATUS) == 1


async def test_an_unreachable_server_is_a_retryable_connection_error(fake_nhn: NhnFake) -> None:
    settings = fake_nhn.settings("v1.0", nhn_ocr_base_url="http://127.0.0.1:9", ocr_max_attempts=2)
    async with OcrClient(settings, backoff_base_s=0) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.business_status(NUMBER)
    assert caught.value.retryable
    assert "127.0.0.1" not in str(caught.value)


# 4131000: the upload was too large for the gateway.


async def test_a_rejected_image_is_shrunk_and_sent_once_more(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    photo = noisy_png((920, 900))
    fake_nhn.max_request_bytes = len(photo) * 3 // 5
    result = await make_client(ocr_max_upload_bytes=3 * 1024 * 1024).business(photo, "scan.png")
    assert result.key_values
    first, second = fake_nhn.requests_to(BUSINESS)
    assert first.body is None  # refused by the gateway before it was read
    assert second.body is not None
    assert (second.body["content_type"], second.body["filename"]) == ("image/jpeg", "scan.jpg")
    assert second.body["size"] <= len(photo) // 2


async def test_an_image_refused_twice_is_too_large(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(CARD, Reply.error(4131000), Reply.error(4131000), Reply.ok())
    with pytest.raises(FileTooLarge):
        await make_client(ocr_max_attempts=4).credit_card(noisy_png((300, 200)), "card.png")
    assert fake_nhn.calls(CARD) == 2


async def test_a_pdf_refused_as_too_large_cannot_shrink(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(BUSINESS, Reply.error(4131000), Reply.ok())
    with pytest.raises(FileTooLarge) as caught:
        await make_client().business(MINIMAL_PDF, "cert.pdf")
    assert caught.value.code == 4131000
    assert fake_nhn.calls(BUSINESS) == 1


async def test_preflight_shrinks_before_the_first_call(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    photo = noisy_png((920, 900))
    await make_client(ocr_max_upload_bytes=len(photo) // 3).business(photo, "scan.png")
    [sent] = fake_nhn.requests_to(BUSINESS)
    assert sent.body is not None
    assert sent.body["size"] <= len(photo) // 3
    assert sent.body["content_type"] == "image/jpeg"


# Concurrency.


async def test_at_most_ocr_concurrency_calls_are_in_flight(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.latency_s = 0.1
    client = make_client(ocr_concurrency=3)
    results = await asyncio.gather(*(client.business_status(NUMBER) for _ in range(10)))
    assert len(results) == 10
    assert fake_nhn.max_in_flight == 3
    assert fake_nhn.calls(STATUS) == 10


async def test_a_custom_transport_is_used(fake_nhn: NhnFake) -> None:
    seen: list[str] = []

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path.rsplit("/", 1)[-1])
            return await super().handle_async_request(request)

    async with OcrClient(fake_nhn.settings("v1.0"), transport=Recording()) as client:
        await client.business_status(NUMBER)
    assert seen == ["status"]

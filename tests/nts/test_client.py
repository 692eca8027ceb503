"""The NTS client against the contract fake over real HTTP."""

import logging
import socket
from urllib.parse import quote

import pytest

from bot.blocks.errors import explain
from bot.config import ConfigError, Settings
from bot.domain.status import BusinessStatus
from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    ConnectionFailed,
    RateLimited,
    Refused,
    Unavailable,
)
from bot.nts import MAX_NUMBERS_PER_CALL, NtsClient
from bot.nts.client import MAX_ATTEMPTS
from fakes.nts import (
    CLOSED,
    EXEMPT,
    INACTIVE,
    SIMPLIFIED,
    UNREGISTERED_TEXT,
    Business,
    NtsFake,
    Reply,
)
from tests.nts.conftest import MakeClient

OPEN = "2208162517"
SHUT = "1248100998"


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def numbers(count: int, start: int = 1_000_000_000) -> list[str]:
    return [f"{serial:010d}" for serial in range(start, start + count)]


async def test_a_full_batch_of_100_numbers_is_one_call(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    asked = numbers(MAX_NUMBERS_PER_CALL)

    answers = await make_client().status(asked)

    assert fake_nts.batches() == [asked]
    assert list(answers) == asked
    assert {item.status for item in answers.values()} == {BusinessStatus.VAT_GENERAL}


@pytest.mark.parametrize(
    ("business", "expected"),
    [
        (CLOSED, BusinessStatus.CLOSED),
        (INACTIVE, BusinessStatus.INACTIVE),
        (SIMPLIFIED, BusinessStatus.VAT_SIMPLIFIED),
        (EXEMPT, BusinessStatus.VAT_EXEMPT),
        (Business("01", "06"), BusinessStatus.NON_PROFIT),
        (Business("01", "07"), BusinessStatus.VAT_SIMPLIFIED),
    ],
)
async def test_each_answer_maps_onto_the_bots_statuses(
    make_client: MakeClient, fake_nts: NtsFake, business: Business, expected: BusinessStatus
) -> None:
    fake_nts.businesses[SHUT] = business

    answers = await make_client().status([OPEN, SHUT])

    assert answers[OPEN].status is BusinessStatus.VAT_GENERAL
    assert answers[SHUT].status is expected
    assert answers[SHUT].end_dt == business.end_dt


async def test_an_unregistered_number_is_not_in_business(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    fake_nts.unregistered.add(SHUT)

    answers = await make_client().status([SHUT])

    assert answers[SHUT].b_stt == ""
    assert answers[SHUT].tax_type == UNREGISTERED_TEXT
    assert answers[SHUT].status is BusinessStatus.NOT_IN_BUSINESS


async def test_the_encoded_key_data_go_kr_shows_works_too(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    encoded = quote(fake_nts.service_key, safe="")
    assert encoded != fake_nts.service_key

    answers = await make_client(nts_service_key=encoded).status([OPEN])

    assert answers[OPEN].status is BusinessStatus.VAT_GENERAL


async def test_a_wrong_service_key_asks_for_an_admin_without_retrying(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    with fake_nts.expect_violations() as seen, pytest.raises(AuthenticationFailed) as caught:
        await make_client(nts_service_key="not-the-key").status([OPEN])

    assert seen == ["status: serviceKey is not the key issued"]
    assert caught.value.code == "-4"
    assert not caught.value.retryable
    assert "관리자" in explain(caught.value).ko
    assert "NTS_SERVICE_KEY" in explain(caught.value).en
    assert fake_nts.calls == 1


async def test_a_withdrawn_key_is_an_authentication_error(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    fake_nts.revoke_key()

    with pytest.raises(AuthenticationFailed):
        await make_client().status([OPEN])
    assert fake_nts.calls == 1


@pytest.mark.parametrize(
    "failure",
    [Reply.api_error("INTERNAL_ERROR"), Reply.http(502), Reply.http(503), Reply.gateway(-1)],
)
async def test_a_server_error_is_retried(
    make_client: MakeClient, fake_nts: NtsFake, failure: Reply
) -> None:
    fake_nts.script(failure)

    answers = await make_client().status([OPEN])

    assert answers[OPEN].status is BusinessStatus.VAT_GENERAL
    assert fake_nts.calls == 2


async def test_server_errors_give_up_after_the_last_attempt(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    fake_nts.script(*[Reply.api_error("INTERNAL_ERROR")] * (MAX_ATTEMPTS + 1))

    with pytest.raises(Unavailable) as caught:
        await make_client().status([OPEN])

    assert caught.value.retryable
    assert caught.value.http_status == 500
    assert "잠시 후 다시 시도" in explain(caught.value).ko
    assert fake_nts.calls == MAX_ATTEMPTS


@pytest.mark.parametrize("limit", [Reply.gateway(-10), Reply.http(429)])
async def test_rate_limits_are_retryable_and_retried(
    make_client: MakeClient, fake_nts: NtsFake, limit: Reply
) -> None:
    fake_nts.script(*[limit] * MAX_ATTEMPTS)

    with pytest.raises(RateLimited) as caught:
        await make_client().status([OPEN])

    assert caught.value.retryable
    assert "try again later" in explain(caught.value).en
    assert fake_nts.calls == MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply.api_error("TOO_LARGE_REQUEST"), Refused),
        (Reply.api_error("BAD_JSON_REQUEST"), Refused),
        (Reply.gateway(-3), AuthenticationFailed),
        (Reply(200, b"<html>maintenance</html>", "text/html"), BadResponse),
        (Reply(200, b'{"status_code": "OK", "data": [{"b_stt": "x"}]}'), BadResponse),
        (Reply(200, b'["not", "an", "object"]'), BadResponse),
        (Reply.http(404), BadResponse),
    ],
)
async def test_answers_that_retrying_cannot_fix_fail_at_once(
    make_client: MakeClient, fake_nts: NtsFake, reply: Reply, error: type[Exception]
) -> None:
    fake_nts.script(reply)

    with pytest.raises(error) as caught:
        await make_client().status([OPEN])

    assert not getattr(caught.value, "retryable", True)
    assert fake_nts.calls == 1


async def test_an_unreachable_server_is_a_connection_error() -> None:
    settings = Settings(
        _env_file=None, nts_service_key="key", nts_base_url=f"http://127.0.0.1:{unused_port()}"
    )
    async with NtsClient(settings, backoff_base_s=0.0) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.status([OPEN])
    assert caught.value.retryable
    assert str(caught.value) == "status: ConnectError"


@pytest.mark.parametrize(
    "asked",
    [
        [],
        numbers(MAX_NUMBERS_PER_CALL + 1),
        ["220-81-62517"],
        [OPEN, OPEN],
        ["２２０８１６２５１７"],
    ],
)
async def test_a_request_the_api_would_refuse_is_never_sent(
    make_client: MakeClient, fake_nts: NtsFake, asked: list[str]
) -> None:
    with pytest.raises(ValueError, match="number"):
        await make_client().status(asked)
    assert fake_nts.calls == 0


def test_a_client_needs_the_service_key() -> None:
    with pytest.raises(ConfigError, match="NTS_SERVICE_KEY"):
        NtsClient(Settings(_env_file=None))


async def test_the_service_key_never_reaches_logs_or_errors(
    make_client: MakeClient, fake_nts: NtsFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_nts.script(Reply.api_error("INTERNAL_ERROR"))
    client = make_client()
    await client.status([OPEN])
    fake_nts.revoke_key()

    with pytest.raises(AuthenticationFailed) as caught:
        await client.status([OPEN])

    key = fake_nts.service_key
    seen = caplog.text + str(caught.value) + repr(caught.value) + repr(client)
    assert "HTTP Request" in caplog.text  # httpx did log the request line, masked
    assert "serviceKey=***" in caplog.text
    for form in (key, quote(key, safe=""), quote(key)):
        assert form not in seen

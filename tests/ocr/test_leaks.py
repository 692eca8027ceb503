"""Secrets, tokens, the app key and card digits never reach an exception string or a log."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.errors import BotError
from bot.ocr import OcrClient
from fakes.nhn import CARD, STATUS, TOKEN, NhnFake, Reply
from tests.ocr.conftest import MakeClient
from tests.ocr.images import plain_png

CARD_NUMBER = "4012888888881881"
CARD_GROUPS = ("4012", "8888", "1881")


def secrets_of(fake: NhnFake) -> list[str]:
    tokens = [
        request.headers["x-nhn-authorization"].removeprefix("Bearer ")
        for request in fake.requests
        if "x-nhn-authorization" in request.headers
    ]
    return [fake.app_key, fake.user_access_key_id, fake.secret_access_key, fake.secret_key, *tokens]


def assert_nothing_leaks(fake: NhnFake, text: str) -> None:
    assert fake.requests, "the scenario made no request"
    for secret in secrets_of(fake):
        assert secret not in text
    assert CARD_NUMBER not in text


async def card(client: OcrClient) -> object:
    return await client.credit_card(plain_png(), "card.png")


async def status(client: OcrClient) -> object:
    return await client.business_status("2208162517")


@dataclass(frozen=True)
class Scenario:
    version: str
    endpoint: str
    replies: Callable[[NhnFake], list[Reply]]
    call: Callable[[OcrClient], Awaitable[object]]


SCENARIOS = {
    "server-echoes-secrets": Scenario(
        "v1.1",
        CARD,
        lambda fake: [
            Reply.error(4999999, f"{fake.app_key} {fake.secret_access_key} {CARD_NUMBER}")
        ],
        card,
    ),
    "v1.0-echoes-the-secret-key": Scenario(
        "v1.0", CARD, lambda fake: [Reply.error(4999999, f"bad secret {fake.secret_key}")], card
    ),
    "token-refused": Scenario(
        "v1.1",
        TOKEN,
        lambda fake: [Reply.oauth_error(f"invalid_client {fake.user_access_key_id}")],
        status,
    ),
    "invalid-token": Scenario("v1.1", STATUS, lambda fake: [Reply.error(4010006)] * 2, status),
    "gateway-html": Scenario(
        "v1.1",
        STATUS,
        lambda fake: [Reply(http_status=502, body=f"<html>{fake.app_key}</html>".encode())] * 2,
        status,
    ),
    "card-result-of-the-wrong-shape": Scenario(
        "v1.1",
        CARD,
        lambda fake: [Reply.ok({"cardNums": CARD_NUMBER, "totalCardNum": {"x": CARD_NUMBER}})],
        card,
    ),
    "timeout": Scenario("v1.1", STATUS, lambda fake: [Reply.delay(1)] * 2, status),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_failures_leak_nothing(
    fake_nhn: NhnFake, make_client: MakeClient, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    fake_nhn.card_number = CARD_NUMBER
    scenario = SCENARIOS[name]
    fake_nhn.script(scenario.endpoint, *scenario.replies(fake_nhn))
    client = make_client(scenario.version, ocr_max_attempts=2, ocr_timeout_s=0.1)
    with caplog.at_level(logging.DEBUG), pytest.raises(BotError) as caught:
        await scenario.call(client)
    error = caught.value
    shown = " ".join([str(error), repr(error), str(error.args), error.detail, caplog.text])
    assert_nothing_leaks(fake_nhn, shown)


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
async def test_successful_calls_log_no_secret_url_or_digits(
    fake_nhn: NhnFake, make_client: MakeClient, caplog: pytest.LogCaptureFixture, version: str
) -> None:
    fake_nhn.card_number = CARD_NUMBER
    client = make_client(version)
    with caplog.at_level(logging.DEBUG):
        result = await client.credit_card(plain_png(), "card.png")
        await client.business_status("2208162517")
    assert_nothing_leaks(fake_nhn, caplog.text)
    assert "nhn_ocr credit-card http=200 code=0 attempt=1" in caplog.text
    assert "/appkeys/***/credit-card" in caplog.text  # httpx's own request log, masked
    shown = repr(result) + str(result) + result.model_dump_json()
    for group in CARD_GROUPS:
        assert group not in shown

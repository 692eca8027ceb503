import asyncio
import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.blocks.errors import CHECK_KEYS, explain
from bot.errors import AuthenticationFailed, BadResponse, Timeout
from bot.ocr import OcrClient
from bot.ocr.auth import Credential, TokenAuth, renewal_margin
from fakes.nhn import STATUS, TOKEN, NhnFake, Reply
from tests.ocr.conftest import MakeClient

NUMBER = "2208162517"


async def test_a_token_is_issued_once_and_reused(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    client = make_client()
    for _ in range(3):
        await client.business_status(NUMBER)
    assert fake_nhn.tokens_issued == 1
    [issue] = fake_nhn.requests_to(TOKEN)
    assert issue.body == {"grant_type": "client_credentials"}
    assert issue.headers["content-type"] == "application/x-www-form-urlencoded"
    basic = base64.b64encode(f"{fake_nhn.user_access_key_id}:{fake_nhn.secret_access_key}".encode())
    assert issue.headers["authorization"] == f"Basic {basic.decode()}"
    tokens = {request.headers["x-nhn-authorization"] for request in fake_nhn.requests_to(STATUS)}
    assert len(tokens) == 1
    assert tokens.pop().startswith("Bearer ")


async def test_fifty_concurrent_calls_share_one_issuance(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(TOKEN, Reply.delay(0.1))  # every call arrives while the token is on its way
    client = make_client(ocr_concurrency=50)
    results = await asyncio.gather(*(client.business_status(NUMBER) for _ in range(50)))
    assert len(results) == 50
    assert fake_nhn.tokens_issued == 1
    assert fake_nhn.calls(TOKEN) == 1


async def test_a_token_is_renewed_before_it_expires(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.token_lifetime_s = 0.4  # renewed after 0.2 s, half its lifetime
    client = make_client()
    await client.business_status(NUMBER)
    await asyncio.sleep(0.25)
    await client.business_status(NUMBER)  # the fake records a violation if the token had expired
    assert fake_nhn.tokens_issued == 2


async def test_expires_in_as_a_string_is_accepted(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.expires_in_as_string = True
    client = make_client()
    await client.business_status(NUMBER)
    await client.business_status(NUMBER)
    assert fake_nhn.tokens_issued == 1


async def test_a_revoked_token_is_replaced_and_the_call_retried_once(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    client = make_client(ocr_max_attempts=1)
    await client.business_status(NUMBER)
    fake_nhn.revoke_tokens()
    result = await client.business_status(NUMBER)
    assert result.status_code == "01"
    assert fake_nhn.tokens_issued == 2
    assert fake_nhn.calls(STATUS) == 3


async def test_invalid_token_twice_is_an_authentication_error(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.error(4010006), Reply.error(4010006), Reply.ok())
    with pytest.raises(AuthenticationFailed) as caught:
        await make_client(ocr_max_attempts=3).business_status(NUMBER)
    assert caught.value.code == 4010006
    assert not caught.value.retryable
    assert fake_nhn.tokens_issued == 2
    assert fake_nhn.calls(STATUS) == 2


async def test_invalid_token_with_a_secret_key_is_not_retried(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(STATUS, Reply.error(4010006), Reply.ok())
    with pytest.raises(AuthenticationFailed):
        await make_client("v1.0").business_status(NUMBER)
    assert fake_nhn.calls(STATUS) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply.oauth_error("invalid_client", http_status=401),
        Reply.oauth_error("invalid_grant", http_status=400),
    ],
    ids=["401", "400"],
)
async def test_refused_keys_are_not_retried_and_send_the_user_to_an_admin(
    fake_nhn: NhnFake, make_client: MakeClient, reply: Reply
) -> None:
    fake_nhn.script(TOKEN, reply, Reply.ok())
    with pytest.raises(AuthenticationFailed) as caught:
        await make_client(ocr_max_attempts=4).business_status(NUMBER)
    assert not caught.value.retryable
    assert explain(caught.value) == CHECK_KEYS
    assert caught.value.http_status == reply.http_status
    assert fake_nhn.calls(TOKEN) == 1
    assert fake_nhn.calls(STATUS) == 0


async def test_wrong_keys_are_refused_by_the_token_endpoint(fake_nhn: NhnFake) -> None:
    settings = fake_nhn.settings(nhn_secret_access_key="not-the-secret")
    async with OcrClient(settings, backoff_base_s=0) as client:
        with (
            fake_nhn.expect_violations() as seen,
            pytest.raises(AuthenticationFailed, match="invalid_client"),
        ):
            await client.business_status(NUMBER)
    assert seen == ["token: wrong or missing Basic credentials"]


async def test_token_server_errors_and_timeouts_are_retried(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(TOKEN, Reply(http_status=503, body=b"<html>busy</html>"), Reply.delay(1.0))
    result = await make_client(ocr_timeout_s=0.1, ocr_max_attempts=3).business_status(NUMBER)
    assert result.status_code == "01"
    assert fake_nhn.calls(TOKEN) == 3


async def test_token_timeouts_on_every_attempt(fake_nhn: NhnFake, make_client: MakeClient) -> None:
    fake_nhn.script(TOKEN, Reply.delay(1.0), Reply.delay(1.0))
    with pytest.raises(Timeout, match="token"):
        await make_client(ocr_timeout_s=0.1, ocr_max_attempts=2).business_status(NUMBER)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"token_type": "Bearer", "expires_in": 86400}',
        b'{"access_token": "t", "token_type": "MAC", "expires_in": 86400}',
        b'{"access_token": "t", "token_type": "Bearer", "expires_in": "soon"}',
        b'{"access_token": "t", "token_type": "Bearer", "expires_in": 0}',
    ],
    ids=["not-json", "no-token", "not-bearer", "bad-lifetime", "no-lifetime"],
)
async def test_an_unusable_token_answer_is_invalid(
    fake_nhn: NhnFake, make_client: MakeClient, body: bytes
) -> None:
    fake_nhn.script(TOKEN, Reply(body=body))
    with pytest.raises(BadResponse):
        await make_client().business_status(NUMBER)
    assert fake_nhn.calls(STATUS) == 0


@pytest.mark.parametrize(
    ("lifetime", "margin"), [(86400, 8640), (3600, 360), (300, 30), (60, 30), (40, 20), (1, 0.5)]
)
def test_renewal_margin(lifetime: float, margin: float) -> None:
    assert renewal_margin(lifetime) == margin


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def token_auth(fake: NhnFake, http: httpx.AsyncClient, clock: Clock) -> TokenAuth:
    return TokenAuth(
        http,
        oauth_url=fake.url,
        key_id=fake.user_access_key_id,
        secret_access_key=fake.secret_access_key,
        clock=clock,
    )


async def test_renewal_happens_at_the_margin(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    clock = Clock()
    auth = token_auth(fake_nhn, http, clock)
    first = await auth.credential()
    clock.now += 86400 - 8640 - 1
    assert await auth.credential() is first
    clock.now += 1
    renewed = await auth.credential()
    assert renewed is not first
    assert renewed.headers["X-NHN-Authorization"] != first.headers["X-NHN-Authorization"]
    assert fake_nhn.tokens_issued == 2


async def test_invalidating_a_stale_credential_keeps_the_fresh_one(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    auth = token_auth(fake_nhn, http, Clock())
    stale = await auth.credential()
    auth.invalidate(stale)
    fresh = await auth.credential()
    auth.invalidate(stale)  # a slower caller reporting the old token must not drop the new one
    assert await auth.credential() is fresh
    assert fake_nhn.tokens_issued == 2


def test_credentials_do_not_show_their_secrets() -> None:
    credential = Credential(headers={"Authorization": "s3cr3t"}, secret="s3cr3t")
    assert "s3cr3t" not in repr(credential)

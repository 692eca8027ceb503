"""The contract fake itself: it must refuse what NHN would refuse, and say so."""

import asyncio
import base64
import json
import os
import secrets
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fakes.nhn import BUSINESS, CARD, PUBLIC_KEY, STATUS, TOKEN, NhnFake, Reply
from tests.ocr.images import MINIMAL_PDF, plain_png


@pytest.fixture
async def http(fake_nhn: NhnFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_nhn.url) as client:
        yield client


async def token(fake: NhnFake, http: httpx.AsyncClient) -> str:
    answer = await http.post(
        "/oauth2/token/create",
        data={"grant_type": "client_credentials"},
        auth=(fake.user_access_key_id, fake.secret_access_key),
    )
    assert answer.status_code == 200
    value: str = answer.json()["access_token"]
    return value


def ocr_path(fake: NhnFake, endpoint: str, version: str = "v1.1") -> str:
    return f"/{version}/appkeys/{fake.app_key}/{endpoint}"


def result_code(answer: httpx.Response) -> int:
    code: int = answer.json()["header"]["resultCode"]
    return code


async def bearer(fake: NhnFake, http: httpx.AsyncClient) -> dict[str, str]:
    return {"X-NHN-Authorization": f"Bearer {await token(fake, http)}"}


async def test_a_valid_v1_1_call_is_answered_without_violation(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    answer = await http.post(
        ocr_path(fake_nhn, CARD),
        headers=await bearer(fake_nhn, http),
        files={"image": ("card.png", plain_png(), "image/png")},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["header"] == {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}
    assert body["result"]["totalCardNum"] == "5555555555554444"
    assert [group["value"] for group in body["result"]["cardNums"]] == [
        "5555",
        "5555",
        "5555",
        "4444",
    ]
    assert fake_nhn.calls(CARD) == 1
    assert fake_nhn.calls(TOKEN) == 1
    recorded = fake_nhn.requests_to(CARD)[0].body
    assert recorded == {
        "filename": "card.png",
        "content_type": "image/png",
        "size": len(plain_png()),
    }


async def test_a_valid_v1_0_call_is_answered(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    answer = await http.post(
        ocr_path(fake_nhn, STATUS, "v1.0"),
        headers={"Authorization": fake_nhn.secret_key},
        json={"businessNumber": "2208162517"},
    )
    assert answer.json()["result"]["statusCode"] == "01"


@pytest.mark.parametrize(
    ("headers", "code", "violation"),
    [
        ({}, 4000005, "without X-NHN-Authorization"),
        ({"X-NHN-Authorization": "Bearer made-up"}, 4010006, "not a Bearer token"),
        ({"Authorization": "Bearer made-up"}, 4000005, "without X-NHN-Authorization"),
    ],
)
async def test_v1_1_without_a_valid_token(
    fake_nhn: NhnFake, http: httpx.AsyncClient, headers: dict[str, str], code: int, violation: str
) -> None:
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(
            ocr_path(fake_nhn, STATUS), headers=headers, json={"businessNumber": "2208162517"}
        )
    assert result_code(answer) == code
    assert violation in seen[0]


@pytest.mark.parametrize(
    ("headers", "code"), [({}, 4000005), ({"Authorization": "wrong"}, 4010001)]
)
async def test_v1_0_without_the_secret_key(
    fake_nhn: NhnFake, http: httpx.AsyncClient, headers: dict[str, str], code: int
) -> None:
    with fake_nhn.expect_violations():
        answer = await http.post(
            ocr_path(fake_nhn, STATUS, "v1.0"), headers=headers, json={"businessNumber": "1"}
        )
    assert result_code(answer) == code


async def test_an_expired_token_is_a_violation_a_revoked_one_is_not(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    revoked = await bearer(fake_nhn, http)
    fake_nhn.revoke_tokens()
    fake_nhn.token_lifetime_s = 0.05
    expired = await bearer(fake_nhn, http)
    await asyncio.sleep(0.06)
    body = {"businessNumber": "2208162517"}
    assert (
        result_code(await http.post(ocr_path(fake_nhn, STATUS), headers=revoked, json=body))
        == 4010006
    )
    assert fake_nhn.violations == []
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(ocr_path(fake_nhn, STATUS), headers=expired, json=body)
    assert result_code(answer) == 4010006
    assert seen == ["business/status: token used after it expired"]
    assert fake_nhn.tokens_issued == 2


async def test_a_wrong_app_key(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    with fake_nhn.expect_violations():
        answer = await http.post(
            f"/v1.1/appkeys/other/{STATUS}", json={"businessNumber": "2208162517"}
        )
    assert result_code(answer) == 4010001


async def test_unknown_paths_and_methods(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    with fake_nhn.expect_violations() as seen:
        missing = await http.post("/v1.1/appkeys/x/receipt")
        wrong_method = await http.get(ocr_path(fake_nhn, BUSINESS))
    assert (missing.status_code, result_code(missing)) == (404, 4041007)
    assert (wrong_method.status_code, result_code(wrong_method)) == (405, 405)
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("files", "data", "code", "violation"),
    [
        ({"file": ("a.png", plain_png(), "image/png")}, {}, 4000001, "not exactly one 'image'"),
        (
            {"image": ("a.png", plain_png(), "image/png")},
            {"extra": "1"},
            4000001,
            "not exactly one 'image'",
        ),
        ({"image": ("a.png", b"", "image/png")}, {}, 4000004, "empty"),
        ({"image": ("a.pdf", MINIMAL_PDF, "application/pdf")}, {}, 4000003, "a pdf file"),
        ({"image": ("a.gif", b"GIF89a....", "image/gif")}, {}, 4000003, "a unknown file"),
        (
            {"image": ("a.png", plain_png(), "image/jpeg")},
            {},
            4000003,
            "image/jpeg declared for png",
        ),
        ({"image": ("a.jpg", plain_png(), "image/png")}, {}, 4000003, "extension is not png"),
    ],
    ids=["wrong-name", "two-parts", "empty", "pdf-card", "gif", "wrong-type", "wrong-extension"],
)
async def test_card_uploads_break_the_contract(
    fake_nhn: NhnFake,
    http: httpx.AsyncClient,
    files: dict[str, Any],
    data: dict[str, Any],
    code: int,
    violation: str,
) -> None:
    headers = await bearer(fake_nhn, http)
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(ocr_path(fake_nhn, CARD), headers=headers, files=files, data=data)
    assert result_code(answer) == code
    assert violation in seen[0]


async def test_an_upload_that_is_not_multipart(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    headers = await bearer(fake_nhn, http)
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(
            ocr_path(fake_nhn, BUSINESS),
            headers={**headers, "Content-Type": "image/png"},
            content=plain_png(),
        )
    assert result_code(answer) == 4000001
    assert "Content-Type 'image/png'" in seen[0]


async def test_a_part_without_filename_or_content_type(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    headers = await bearer(fake_nhn, http)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"\r\n\r\n'.encode()
        + plain_png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(
            ocr_path(fake_nhn, BUSINESS),
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            content=body,
        )
    assert result_code(answer) == 4000001
    assert "no filename" in seen[0]


@pytest.mark.parametrize(
    "body",
    [{"businessNumber": "220-81-62517"}, {"businessNumber": 2208162517}, {"number": "2208162517"}],
)
async def test_status_wants_ten_digits_in_business_number(
    fake_nhn: NhnFake, http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    headers = await bearer(fake_nhn, http)
    with fake_nhn.expect_violations():
        answer = await http.post(ocr_path(fake_nhn, STATUS), headers=headers, json=body)
    assert result_code(answer) == 4000001


async def test_status_wants_a_json_body(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    headers = await bearer(fake_nhn, http)
    with fake_nhn.expect_violations():
        answer = await http.post(
            ocr_path(fake_nhn, STATUS), headers=headers, data={"businessNumber": "2208162517"}
        )
    assert result_code(answer) == 4000001


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": {"grant_type": "client_credentials"}, "auth": ("x", "y")}, 401, "invalid_client"),
        ({"data": {"grant_type": "password"}, "auth": None}, 400, "unsupported_grant_type"),
        ({"json": {"grant_type": "client_credentials"}, "auth": None}, 400, "invalid_request"),
    ],
    ids=["wrong-keys", "wrong-grant", "json-body"],
)
async def test_token_requests_break_the_contract(
    fake_nhn: NhnFake, http: httpx.AsyncClient, kwargs: dict[str, Any], status: int, error: str
) -> None:
    auth = kwargs.pop("auth") or (fake_nhn.user_access_key_id, fake_nhn.secret_access_key)
    with fake_nhn.expect_violations():
        answer = await http.post("/oauth2/token/create", auth=auth, **kwargs)
    assert (answer.status_code, answer.json()) == (status, {"error": error})
    assert fake_nhn.tokens_issued == 0


async def test_token_answers(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    fake_nhn.token_lifetime_s = 600
    first = (
        await http.post(
            "/oauth2/token/create",
            data={"grant_type": "client_credentials"},
            auth=(fake_nhn.user_access_key_id, fake_nhn.secret_access_key),
        )
    ).json()
    assert first["token_type"] == "Bearer"
    assert first["expires_in"] == 600
    fake_nhn.expires_in_as_string = True
    second = (
        await http.post(
            "/oauth2/token/create",
            data={"grant_type": "client_credentials"},
            auth=(fake_nhn.user_access_key_id, fake_nhn.secret_access_key),
        )
    ).json()
    assert second["expires_in"] == "600"
    assert second["access_token"] != first["access_token"]


async def test_scripted_replies_come_in_order_then_the_default(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    fake_nhn.script(
        STATUS,
        Reply.error(4000006),
        Reply(
            http_status=503,
            body=b"<html>down</html>",
            content_type="text/html",
            headers={"Retry-After": "7"},
        ),
        Reply.ok({"statusCode": "05", "statusMessage": "휴업자"}),
        Reply.error(4291000),
    )
    headers = await bearer(fake_nhn, http)
    answers = [
        await http.post(
            ocr_path(fake_nhn, STATUS), headers=headers, json={"businessNumber": "2208162517"}
        )
        for _ in range(5)
    ]
    assert (answers[0].status_code, result_code(answers[0])) == (200, 4000006)
    assert (answers[1].status_code, answers[1].text, answers[1].headers["retry-after"]) == (
        503,
        "<html>down</html>",
        "7",
    )
    assert answers[2].json()["result"]["statusCode"] == "05"
    assert (answers[3].status_code, result_code(answers[3])) == (429, 4291000)
    assert answers[4].json()["result"]["statusCode"] == "01"
    assert fake_nhn.calls(STATUS) == 5


async def test_the_gateway_refuses_oversized_requests(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    fake_nhn.max_request_bytes = 100
    answer = await http.post(
        ocr_path(fake_nhn, BUSINESS), files={"image": ("a.png", plain_png(), "image/png")}
    )
    assert (answer.status_code, result_code(answer)) == (413, 4131000)
    assert fake_nhn.violations == []


def test_reply_error_uses_the_gateway_status_for_gateway_codes() -> None:
    assert Reply.error(5030001).http_status == 503
    assert Reply.error(5000503).http_status == 200
    assert Reply.error(5030001, http_status=200).http_status == 200
    assert json.loads(Reply.error(-1).body or b"")["header"]["resultMessage"] == "Unknown error."


def test_expect_violations_fails_when_nothing_was_violated(fake_nhn: NhnFake) -> None:
    with (
        pytest.raises(AssertionError, match="expected a breach of the NHN contract"),
        fake_nhn.expect_violations(),
    ):
        pass


def test_env_and_settings_describe_each_api_version(fake_nhn: NhnFake) -> None:
    v11 = fake_nhn.env()
    assert v11["NHN_USER_ACCESS_KEY_ID"] == fake_nhn.user_access_key_id
    assert "NHN_OCR_SECRET_KEY" not in v11
    v10 = fake_nhn.env(version="v1.0")
    assert v10["NHN_OCR_SECRET_KEY"] == fake_nhn.secret_key
    assert "NHN_USER_ACCESS_KEY_ID" not in v10
    assert v10["NHN_OCR_BASE_URL"] == v10["NHN_OAUTH_URL"] == fake_nhn.url
    assert fake_nhn.settings().ocr_api_version() == "v1.1"
    assert fake_nhn.settings("v1.0", ocr_concurrency=2).ocr_concurrency == 2
    assert fake_nhn.settings("v1.0").ocr_api_version() == "v1.0"


def test_a_subprocess_can_use_the_fake(fake_nhn: NhnFake) -> None:
    script = textwrap.dedent(
        """
        import asyncio
        from bot.config import Settings
        from bot.ocr import OcrClient

        async def main():
            async with OcrClient(Settings(_env_file=None)) as client:
                print((await client.business_status("2208162517")).status_code)

        asyncio.run(main())
        """
    )
    fake_nhn.statuses["2208162517"] = "05"
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("NHN_")
    } | fake_nhn.env()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "05"
    assert fake_nhn.tokens_issued == 1


# The credit-card API v2.1: encryption checked on what the client sends, applied to what
# the fake answers. These requests are sealed here with `cryptography` directly, not with
# the bot's code, so the fake is held to FACTS.md rather than to the client.


def public_key(fake: NhnFake, answer: httpx.Response) -> rsa.RSAPublicKey:
    result = answer.json()["result"]
    assert result["version"] == fake.card_key_version
    key = serialization.load_der_public_key(base64.b64decode(result["key"]))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


async def fetch_public_key(
    fake: NhnFake, http: httpx.AsyncClient, headers: dict[str, str]
) -> rsa.RSAPublicKey:
    """The v2.1 public key, asked for with `headers` as the client would."""
    return public_key(fake, await http.get(ocr_path(fake, PUBLIC_KEY, "v2.1"), headers=headers))


def aes(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def seal(key: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = aes(key).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def unseal(key: bytes, text: str) -> str:
    decryptor = aes(key).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
    return (unpadder.update(plain) + unpadder.finalize()).decode()


async def sealed_card_call(
    fake: NhnFake,
    http: httpx.AsyncClient,
    *,
    key: bytes | None = None,
    image: bytes | None = None,
    version: str | None = None,
    wrapped: str | None = None,
    filename: str = "card.png",
) -> tuple[httpx.Response, bytes]:
    headers = await bearer(fake, http)
    rsa_key = await fetch_public_key(fake, http, headers)
    key = secrets.token_bytes(32) if key is None else key
    if wrapped is None:
        wrapped = base64.b64encode(rsa_key.encrypt(key, rsa_padding.PKCS1v15())).decode()
    headers |= {
        "X-Key-Version": fake.card_key_version if version is None else version,
        "Symmetric-Key": wrapped,
    }
    sealed = seal(key, plain_png() if image is None else image)
    files = {"image": (filename, sealed, "application/octet-stream")}
    answer = await http.post(ocr_path(fake, CARD, "v2.1"), headers=headers, files=files)
    return answer, key


async def test_a_valid_v2_1_card_call_is_answered_encrypted(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    fake_nhn.record_wire = True
    answer, key = await sealed_card_call(fake_nhn, http)
    assert answer.json()["header"]["isSuccessful"] is True
    result = answer.json()["result"]
    assert "5555555555554444" not in answer.text
    assert unseal(key, result["totalCardNum"]) == "5555555555554444"
    assert [unseal(key, group["value"]) for group in result["cardNums"]] == ["5555"] * 3 + ["4444"]
    assert unseal(key, result["validThru"]["value"]) == "12/29"
    assert (result["fileType"], result["resolution"]) == ("png", "normal")  # plain
    assert len(result["cardNumBoxes"]) == 4
    assert fake_nhn.card_images == [plain_png()]
    [recorded] = fake_nhn.requests_to(CARD)
    assert recorded.body is not None
    assert (recorded.body["content_type"], recorded.body["size"]) == ("image/png", len(plain_png()))
    assert fake_nhn.calls(PUBLIC_KEY) == 1


async def test_the_public_key_is_base64_der_or_pem_as_asked(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    headers = await bearer(fake_nhn, http)
    der = await fetch_public_key(fake_nhn, http, headers)
    fake_nhn.public_key_format = "pem"
    answer = await http.get(ocr_path(fake_nhn, PUBLIC_KEY, "v2.1"), headers=headers)
    pem = serialization.load_pem_public_key(answer.json()["result"]["key"].encode())
    assert isinstance(pem, rsa.RSAPublicKey)
    assert pem.public_numbers() == der.public_numbers()


async def test_a_scripted_card_answer_is_encrypted_too(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    fake_nhn.script(
        CARD,
        Reply.ok({"cardNums": [{"value": "4012", "conf": 0.9}], "totalCardNum": ["4012", "1881"]}),
    )
    answer, key = await sealed_card_call(fake_nhn, http)
    result = answer.json()["result"]
    assert unseal(key, result["cardNums"][0]["value"]) == "4012"
    assert [unseal(key, part) for part in result["totalCardNum"]] == ["4012", "1881"]


async def test_an_image_sent_as_base64_text_is_read_too(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    """The guide leaves open whether the encrypted image is raw or Base64: both are read."""
    key = secrets.token_bytes(32)
    headers = await bearer(fake_nhn, http)
    rsa_key = await fetch_public_key(fake_nhn, http, headers)
    headers |= {
        "X-Key-Version": fake_nhn.card_key_version,
        "Symmetric-Key": base64.b64encode(rsa_key.encrypt(key, rsa_padding.PKCS1v15())).decode(),
    }
    files = {"image": ("card.png", base64.b64encode(seal(key, plain_png())), "text/plain")}
    answer = await http.post(ocr_path(fake_nhn, CARD, "v2.1"), headers=headers, files=files)
    assert answer.json()["header"]["isSuccessful"] is True


async def test_a_rotated_key_version_is_refused_without_a_violation(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    old = fake_nhn.card_key_version
    fake_nhn.rotate_card_key()
    headers = await bearer(fake_nhn, http)
    headers |= {"X-Key-Version": old, "Symmetric-Key": "AAAA"}
    answer = await http.post(
        ocr_path(fake_nhn, CARD, "v2.1"),
        headers=headers,
        files={"image": ("card.png", b"x" * 16, "application/octet-stream")},
    )
    assert result_code(answer) == 4000301
    assert fake_nhn.violations == []


@pytest.mark.parametrize(
    ("call", "code", "violation"),
    [
        ({"version": "99"}, 4000301, "X-Key-Version '99' was never issued"),
        ({"wrapped": "not base64!"}, 4000302, "Symmetric-Key does not unwrap"),
        # Half the RSA modulus long: not wrapped by this key. (A full-length forgery would
        # unwrap to random bytes, as OpenSSL rejects PKCS#1 v1.5 implicitly.)
        ({"wrapped": base64.b64encode(b"\x01" * 128).decode()}, 4000302, "does not unwrap"),
        ({"key": b"k" * 16}, 4000302, "a 16-byte symmetric key, not 32"),
        ({"image": MINIMAL_PDF, "filename": "card.pdf"}, 4000303, "decrypted image is a pdf"),
        ({"filename": "card.jpg"}, 4000003, "filename extension is not png"),
    ],
    ids=["unknown-version", "not-base64", "not-wrapped", "short-key", "pdf", "wrong-extension"],
)
async def test_v2_1_card_calls_break_the_contract(
    fake_nhn: NhnFake,
    http: httpx.AsyncClient,
    call: dict[str, Any],
    code: int,
    violation: str,
) -> None:
    with fake_nhn.expect_violations() as seen:
        answer, _ = await sealed_card_call(fake_nhn, http, **call)
    assert result_code(answer) == code
    assert violation in seen[0]


async def test_a_plaintext_image_on_v2_1_is_refused(
    fake_nhn: NhnFake, http: httpx.AsyncClient
) -> None:
    headers = await bearer(fake_nhn, http)
    rsa_key = await fetch_public_key(fake_nhn, http, headers)
    key = secrets.token_bytes(32)
    headers |= {
        "X-Key-Version": fake_nhn.card_key_version,
        "Symmetric-Key": base64.b64encode(rsa_key.encrypt(key, rsa_padding.PKCS1v15())).decode(),
    }
    with fake_nhn.expect_violations() as seen:
        answer = await http.post(
            ocr_path(fake_nhn, CARD, "v2.1"),
            headers=headers,
            files={"image": ("card.png", plain_png(), "image/png")},
        )
    assert result_code(answer) == 4000303
    assert seen == ["credit-card: the image does not decrypt"]


async def test_v2_paths_methods_and_headers(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    headers = await bearer(fake_nhn, http)
    with fake_nhn.expect_violations() as seen:
        no_public_key_in_v1 = await http.get(ocr_path(fake_nhn, PUBLIC_KEY), headers=headers)
        no_business_in_v2 = await http.post(ocr_path(fake_nhn, BUSINESS, "v2.1"), headers=headers)
        posted_key = await http.post(ocr_path(fake_nhn, PUBLIC_KEY, "v2.1"), headers=headers)
        without_envelope = await http.post(
            ocr_path(fake_nhn, CARD, "v2.1"),
            headers=headers,
            files={"image": ("card.png", plain_png(), "image/png")},
        )
    assert result_code(no_public_key_in_v1) == result_code(no_business_in_v2) == 4041007
    assert result_code(posted_key) == 405
    assert result_code(without_envelope) == 4000005
    assert seen[-1] == "credit-card: v2 without X-Key-Version or Symmetric-Key"


async def test_v2_0_takes_the_secret_key(fake_nhn: NhnFake, http: httpx.AsyncClient) -> None:
    answer = await http.get(
        ocr_path(fake_nhn, PUBLIC_KEY, "v2.0"), headers={"Authorization": fake_nhn.secret_key}
    )
    assert answer.json()["result"]["version"] == fake_nhn.card_key_version

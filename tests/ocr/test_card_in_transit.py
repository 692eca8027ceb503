"""Card data in transit: with User Access Key credentials the card photo and its number
cross the wire only encrypted (NHN's credit-card API v2.1), checked on the raw bytes."""

import asyncio
import logging

import pytest

from bot.blocks.errors import explain
from bot.errors import BadResponse, Refused
from bot.i18n import Text
from bot.ocr import OcrClient
from bot.ocr.errors import error_for_code
from fakes.nhn import (
    CARD,
    PUBLIC_KEY,
    NhnFake,
    Reply,
    WireExchange,
)
from tests.ocr.conftest import MakeClient
from tests.ocr.images import noisy_jpeg, noisy_png
from tests.support.leaks import card_number_runs, plaintext_on_the_wire

CARD_NUMBER = "4012888888881881"
SIGNATURES = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}


def card_exchanges(fake: NhnFake) -> list[WireExchange]:
    return [exchange for exchange in fake.wire if exchange.endpoint == CARD]


@pytest.fixture
def wire(fake_nhn: NhnFake) -> NhnFake:
    fake_nhn.card_number = CARD_NUMBER
    fake_nhn.record_wire = True
    return fake_nhn


@pytest.mark.parametrize(
    ("photo", "filename"),
    [
        (noisy_jpeg((800, 500)), "법인카드 4012 8888 8888 1881.jpg"),
        (noisy_png((400, 260)), "card.png"),
    ],
    ids=["jpeg", "png"],
)
async def test_no_plaintext_image_or_number_crosses_the_wire(
    wire: NhnFake, make_client: MakeClient, photo: bytes, filename: str
) -> None:
    result = await make_client("v1.1").credit_card(photo, filename)

    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == CARD_NUMBER  # opened by the client
    assert [group.value.get_secret_value() for group in result.card_nums] == [
        "4012",
        "8888",
        "8888",
        "1881",
    ]
    assert result.valid_thru is not None
    assert result.valid_thru.value == "12/29"
    [exchange] = card_exchanges(wire)
    assert exchange.path.startswith("/v2.1/")
    assert exchange.request_headers["x-key-version"] == wire.card_key_version
    assert exchange.request_headers["symmetric-key"]
    [image] = wire.card_images  # what NHN decrypted and read
    assert image[:3] in (SIGNATURES["jpeg"], SIGNATURES["png"][:3])
    assert plaintext_on_the_wire(card_exchanges(wire), [image, photo], CARD_NUMBER) == []
    assert b"4012" not in exchange.request_body  # not even in the file name
    assert result.sent_image == image  # the redacted copy is made from what NHN read


async def test_the_check_finds_a_plaintext_card_call(
    wire: NhnFake, make_client: MakeClient
) -> None:
    """The same check on a v1.0 call, which sends both in the clear, finds both."""
    photo = noisy_jpeg((800, 500))
    await make_client("v1.0").credit_card(photo, "card.jpg")
    [exchange] = card_exchanges(wire)
    assert exchange.path.startswith("/v1.0/")
    found = plaintext_on_the_wire([exchange], [photo], CARD_NUMBER)
    assert any("image bytes in the request" in item for item in found)
    assert any("in the answer" in item for item in found)


async def test_v1_0_setups_keep_the_v1_0_card_call(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    result = await make_client("v1.0").credit_card(noisy_jpeg((800, 500)), "card.jpg")
    assert result.total_card_num is not None
    [sent] = fake_nhn.requests_to(CARD)
    assert sent.path.startswith("/v1.0/")
    assert "symmetric-key" not in sent.headers
    assert fake_nhn.calls(PUBLIC_KEY) == 0


async def test_the_public_key_is_fetched_once_for_many_cards(
    wire: NhnFake, make_client: MakeClient
) -> None:
    client = make_client("v1.1", ocr_concurrency=4)
    photo = noisy_jpeg((400, 260))
    await client.credit_card(photo, "first.jpg")
    results = await asyncio.gather(*(client.credit_card(photo, f"{n}.jpg") for n in range(8)))
    await client.credit_card(photo, "last.jpg")

    assert all(result.total_card_num is not None for result in results)
    assert wire.calls(PUBLIC_KEY) == 1
    assert wire.calls(CARD) == 10
    # A fresh symmetric key for every request, all under the one public key.
    wrapped = [exchange.request_headers["symmetric-key"] for exchange in card_exchanges(wire)]
    assert len(set(wrapped)) == 10


async def test_concurrent_first_cards_fetch_the_key_once(
    wire: NhnFake, make_client: MakeClient
) -> None:
    wire.latency_s = 0.05
    client = make_client("v1.1", ocr_concurrency=4)
    photo = noisy_jpeg((400, 260))
    await asyncio.gather(*(client.credit_card(photo, f"{n}.jpg") for n in range(4)))
    assert wire.calls(PUBLIC_KEY) == 1


async def test_a_rotated_key_is_fetched_again_and_the_card_sent_again(
    wire: NhnFake, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client("v1.1", ocr_max_attempts=1)
    photo = noisy_jpeg((400, 260))
    await client.credit_card(photo, "before.jpg")
    old = wire.card_key_version
    new = wire.rotate_card_key()

    with caplog.at_level(logging.DEBUG):
        result = await client.credit_card(photo, "after.jpg")

    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == CARD_NUMBER
    assert wire.calls(PUBLIC_KEY) == 2
    versions = [exchange.request_headers["x-key-version"] for exchange in card_exchanges(wire)]
    assert versions == [old, old, new]  # refused with 4000301, then under the new key
    assert "code=4000301" in caplog.text
    # The refresh used up no attempt (ocr_max_attempts=1), and the new key stays cached.
    await client.credit_card(photo, "later.jpg")
    assert wire.calls(PUBLIC_KEY) == 2


async def test_a_key_version_refused_after_a_fresh_key_is_not_fetched_forever(
    fake_nhn: NhnFake, make_client: MakeClient
) -> None:
    fake_nhn.script(CARD, *[Reply.error(4000301)] * 5)
    with pytest.raises(Refused) as caught:
        await make_client("v1.1", ocr_max_attempts=3).credit_card(noisy_jpeg((400, 260)), "a.jpg")
    assert caught.value.code == 4000301
    assert explain(caught.value) == _advice(4000301)
    assert fake_nhn.calls(CARD) == 2  # the first refusal, and the one after the fresh key
    assert fake_nhn.calls(PUBLIC_KEY) == 2


@pytest.mark.parametrize(
    ("code", "card_calls", "key_fetches"),
    [(4000301, 2, 2), (4000302, 3, 3), (4000303, 1, 1)],
    ids=["key-version", "symmetric-key", "encrypted-data"],
)
async def test_each_refusal_of_the_envelope_has_its_own_message(
    fake_nhn: NhnFake, make_client: MakeClient, code: int, card_calls: int, key_fetches: int
) -> None:
    fake_nhn.script(CARD, *[Reply.error(code)] * 5)
    with pytest.raises(Refused) as caught:
        await make_client("v1.1", ocr_max_attempts=3).credit_card(noisy_jpeg((400, 260)), "a.jpg")
    error = caught.value
    assert error.code == code
    assert explain(error) == _advice(code)
    others = {_advice(other) for other in (4000301, 4000302, 4000303) if other != code}
    assert explain(error) not in others
    # 4000301: one fresh key, then stop. 4000302: a retryable refusal, each attempt with a
    # new symmetric key under a public key fetched again. 4000303: the same image would
    # be refused again, so no retry.
    assert fake_nhn.calls(CARD) == card_calls
    assert fake_nhn.calls(PUBLIC_KEY) == key_fetches


async def test_a_public_key_in_pem_is_taken_too(wire: NhnFake, make_client: MakeClient) -> None:
    wire.public_key_format = "pem"
    result = await make_client("v1.1").credit_card(noisy_jpeg((400, 260)), "a.jpg")
    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == CARD_NUMBER


@pytest.mark.parametrize(
    "result",
    [
        {"key": "not base64 at all!", "version": "1"},
        {"key": "", "version": "1"},
        {"version": "1"},
        {"key": "TUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQw==", "version": "1"},
    ],
    ids=["not-base64", "empty", "missing", "not-a-key"],
)
async def test_an_unusable_public_key_is_an_invalid_response(
    fake_nhn: NhnFake, make_client: MakeClient, result: dict[str, str]
) -> None:
    fake_nhn.script(PUBLIC_KEY, Reply.ok(result))
    with pytest.raises(BadResponse) as caught:
        await make_client("v1.1").credit_card(noisy_jpeg((400, 260)), "a.jpg")
    assert "public-keys/credit-card" in str(caught.value)
    assert fake_nhn.calls(CARD) == 0


async def test_an_answer_in_plain_text_is_refused_without_its_digits(
    fake_nhn: NhnFake, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that stops encrypting is not trusted silently: the card is not read."""
    fake_nhn.card_number = CARD_NUMBER
    fake_nhn.seal_answers = False
    with caplog.at_level(logging.DEBUG), pytest.raises(BadResponse) as caught:
        await make_client("v1.1").credit_card(noisy_jpeg((400, 260)), "a.jpg")
    said = " ".join([str(caught.value), repr(caught.value), caplog.text])
    assert "totalCardNum" in str(caught.value)  # the field named, not its value
    assert card_number_runs(said, CARD_NUMBER) == []


async def test_the_key_never_shows_in_a_repr_or_a_log(
    wire: NhnFake, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client: OcrClient = make_client("v1.1")
    with caplog.at_level(logging.DEBUG):
        result = await client.credit_card(noisy_jpeg((400, 260)), "a.jpg")
    [exchange] = card_exchanges(wire)
    wrapped = exchange.request_headers["symmetric-key"]
    shown = caplog.text + repr(result) + str(result) + result.model_dump_json()
    assert wrapped not in shown
    assert card_number_runs(shown, CARD_NUMBER) == []
    assert "nhn_ocr public-keys/credit-card http=200 code=0" in caplog.text
    assert "nhn_ocr credit-card http=200 code=0" in caplog.text


async def test_a_total_sent_as_a_list_of_ciphertexts_is_joined(
    wire: NhnFake, make_client: MakeClient
) -> None:
    """The guides type totalCardNum as a List while their example shows a string."""
    groups = ["4012", "8888", "8888", "1881"]
    wire.script(
        CARD,
        Reply.ok(
            {
                "fileType": "jpg",
                "cardNums": [{"value": group, "conf": 0.9} for group in groups],
                "totalCardNum": groups,
                "validThru": {"value": "", "conf": 0.0},
            }
        ),
    )
    result = await make_client("v1.1").credit_card(noisy_jpeg((400, 260)), "a.jpg")
    assert result.total_card_num is not None
    assert result.total_card_num.get_secret_value() == CARD_NUMBER
    assert result.valid_thru is not None
    assert result.valid_thru.value == ""
    [exchange] = card_exchanges(wire)
    assert card_number_runs(exchange.response_body.decode("latin-1"), CARD_NUMBER) == []


def _advice(code: int) -> Text:
    """What a person reads about NHN's `code`."""
    return explain(error_for_code(code, endpoint="credit-card", http_status=200))

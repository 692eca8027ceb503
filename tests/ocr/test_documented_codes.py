"""Every NHN Document OCR result code the documentation lists, answered by the fake NHN, and
what the client does with it: the error it raises, whether it is retryable, and whether it
asked again.

The codes and what they mean are transcribed here from the documentation, not read from
bot.ocr's own table, so a wrong entry there fails this test:

- GUIDE: NHN Document OCR API guide v1.1 (and v1.0), section "Response", the error-code
  table (Error Code | Error Message | Description).
- ERROR_PAGE: NHN's error-code page, as summarised in the reference FACTS.md ("Error codes
  (NHN's error-code page), beyond the guides' list").
- GATEWAY: FACTS.md, the API Gateway's own errors, with real HTTP statuses (413 -> 4131000,
  429 -> 4291000, 404 -> 4041007, 502 -> 5020001, 503 -> 5030001).
- CARD_V21: NHN's credit-card API guide v2.1, "Error codes of this flow" (FACTS.md).

Retryable means "may succeed later": a call limit, the gateway's throttling and NHN's
server-side failures. A refused request, a file NHN cannot read and a key problem fail the
same way on every try (4000302 aside: the next try wraps a fresh symmetric key).
"""

from dataclasses import dataclass

import pytest

from bot.errors import (
    AuthenticationFailed,
    BotError,
    CardNotFound,
    EmptyFile,
    FileTooLarge,
    NotACertificate,
    NotRecognised,
    NumberNotRegistered,
    PasswordProtectedPdf,
    RateLimited,
    Refused,
    Unavailable,
    UnreadableImage,
    UnsupportedFileType,
)
from fakes.nhn import STATUS, NhnFake, Reply
from tests.ocr.conftest import MakeClient

# Enough attempts to see a retry, few enough to keep the test quick.
ATTEMPTS = 2
NUMBER = "2208162517"


@dataclass(frozen=True)
class Documented:
    code: int
    source: str
    meaning: str
    error: type[BotError]
    retryable: bool


def _documented(
    codes: list[int], source: str, meaning: str, error: type[BotError], *, retryable: bool
) -> list[Documented]:
    return [Documented(code, source, meaning, error, retryable) for code in codes]


DOCUMENTED = [
    # GUIDE, section "Response", error-code table.
    *_documented([-1], "GUIDE", "Unknown error", Unavailable, retryable=False),
    *_documented([4000001], "GUIDE", "Invalid parameter", Refused, retryable=False),
    *_documented([4000002], "GUIDE", "Invalid file", UnreadableImage, retryable=False),
    *_documented([4000003], "GUIDE", "Invalid file type", UnsupportedFileType, retryable=False),
    *_documented([4000004], "GUIDE", "Uploaded file is empty", EmptyFile, retryable=False),
    *_documented(
        [4000005], "GUIDE", "Required headers missing", AuthenticationFailed, retryable=False
    ),
    *_documented([4000006], "GUIDE", "API call limit exceeded", RateLimited, retryable=True),
    *_documented(
        [4010006, 4010007],
        "GUIDE",
        "Invalid token / Permission denied",
        AuthenticationFailed,
        retryable=False,
    ),
    *_documented([4131000], "GUIDE", "Request size exceeds 5MB", FileTooLarge, retryable=False),
    # ERROR_PAGE
    *_documented([400], "ERROR_PAGE", "plain HTTP-like code", Refused, retryable=False),
    *_documented(
        [401, 403], "ERROR_PAGE", "plain HTTP-like code", AuthenticationFailed, retryable=False
    ),
    *_documented([404, 405], "ERROR_PAGE", "plain HTTP-like code", Refused, retryable=False),
    *_documented([415], "ERROR_PAGE", "plain HTTP-like code", UnsupportedFileType, retryable=False),
    *_documented(
        [4000101],
        "ERROR_PAGE",
        "invalid business-registration format",
        NotACertificate,
        retryable=False,
    ),
    *_documented(
        [4000102],
        "ERROR_PAGE",
        "business number does not exist",
        NumberNotRegistered,
        retryable=False,
    ),
    *_documented(
        [4000103],
        "ERROR_PAGE",
        "PDF is password-protected",
        PasswordProtectedPdf,
        retryable=False,
    ),
    *_documented(
        [4000111], "ERROR_PAGE", "card information not found", CardNotFound, retryable=False
    ),
    *_documented(
        [4000401], "ERROR_PAGE", "service not enabled", AuthenticationFailed, retryable=False
    ),
    *_documented(
        list(range(4010001, 4010006)),
        "ERROR_PAGE",
        "invalid appkey / secret / role / project",
        AuthenticationFailed,
        retryable=False,
    ),
    *_documented(
        [*range(5000001, 5000008), 5000503],
        "ERROR_PAGE",
        "server errors, temporarily unavailable",
        Unavailable,
        retryable=True,
    ),
    *_documented(
        [*range(5003001, 5003004), *range(5003011, 5003014)],
        "ERROR_PAGE",
        "business OCR failures, card OCR failures",
        NotRecognised,
        retryable=False,
    ),
    *_documented(
        [5003004], "ERROR_PAGE", "business status lookup failure", Unavailable, retryable=False
    ),
    # GATEWAY (answered with the HTTP status the gateway uses)
    *_documented([4041007], "GATEWAY", "URL not found", Refused, retryable=False),
    *_documented([4291000], "GATEWAY", "too many requests", RateLimited, retryable=True),
    *_documented(
        [5020001, 5030001],
        "GATEWAY",
        "bad gateway / unavailable",
        Unavailable,
        retryable=True,
    ),
    # CARD_V21
    *_documented(
        [4000301, 4000303],
        "CARD_V21",
        "invalid key version / encrypted data",
        Refused,
        retryable=False,
    ),
    *_documented([4000302], "CARD_V21", "invalid symmetric key", Refused, retryable=True),
]


def test_every_documented_code_is_listed_once() -> None:
    codes = [entry.code for entry in DOCUMENTED]
    assert len(codes) == len(set(codes))
    # The guide's own table, whole (GUIDE, section "Response").
    assert {-1, *range(4000001, 4000007), 4010006, 4010007, 4131000} <= set(codes)


@pytest.mark.parametrize("documented", DOCUMENTED, ids=lambda entry: str(entry.code))
async def test_the_client_raises_what_the_documentation_says(
    fake_nhn: NhnFake, make_client: MakeClient, documented: Documented
) -> None:
    # v1.0 (secret key): no token to renew, so 4010006 is answered as it comes.
    client = make_client("v1.0", ocr_max_attempts=ATTEMPTS)
    fake_nhn.script(STATUS, *[Reply.error(documented.code)] * ATTEMPTS)

    with pytest.raises(BotError) as raised:
        await client.business_status(NUMBER)

    error = raised.value
    assert type(error) is documented.error, documented
    assert (error.code, error.retryable) == (documented.code, documented.retryable), documented
    # Retryable: asked again up to the limit; anything else: one call (one charge) only.
    assert fake_nhn.calls(STATUS) == (ATTEMPTS if documented.retryable else 1)

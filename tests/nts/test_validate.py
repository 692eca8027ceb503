"""The NTS client's 진위확인 (`/validate`) against the contract fake over real HTTP."""

import pytest

from bot.domain.status import BusinessStatus
from bot.errors import AuthenticationFailed, BadResponse, RateLimited, Refused, Unavailable
from bot.nts import MAX_NUMBERS_PER_CALL, ValidationRequest
from fakes.nts import CLOSED, NtsFake, Registered, Reply
from tests.nts.conftest import MakeClient

OPEN = "2208162517"
SHUT = "1248100998"


def asked(number: str = OPEN, **fields: str) -> ValidationRequest:
    values = {"b_no": number, "start_dt": "20150302", "p_nm": "홍길동"} | fields
    return ValidationRequest.model_validate(values)


async def test_matches_and_mismatches_come_back_in_order_with_the_status_of_a_match(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    fake_nts.register[OPEN] = Registered("20150302", ("홍길동",), "주식회사 예시")
    fake_nts.register[SHUT] = Registered("20100101", ("김철수",))
    fake_nts.businesses[SHUT] = CLOSED

    items = await make_client().validate(
        [
            asked(b_nm="주식회사 예시"),
            asked(SHUT, start_dt="20100101", p_nm="김철수"),
            asked(p_nm="김철수"),
        ]
    )

    assert [(item.b_no, item.matches) for item in items] == [
        (OPEN, True),
        (SHUT, True),
        (OPEN, False),
    ]
    assert items[0].status is not None
    assert items[0].status.status is BusinessStatus.VAT_GENERAL
    assert items[1].status is not None
    assert items[1].status.status is BusinessStatus.CLOSED
    assert items[2].status is None
    [call] = fake_nts.validations()
    assert call[0] == {
        "b_no": OPEN,
        "start_dt": "20150302",
        "p_nm": "홍길동",
        "p_nm2": "",
        "b_nm": "주식회사 예시",
        "corp_no": "",
        "b_sector": "",
        "b_type": "",
        "b_adr": "",
    }


async def test_a_full_batch_of_100_is_one_call(make_client: MakeClient, fake_nts: NtsFake) -> None:
    items = await make_client().validate([asked()] * MAX_NUMBERS_PER_CALL)
    assert len(items) == MAX_NUMBERS_PER_CALL
    assert len(fake_nts.validations()) == 1


@pytest.mark.parametrize(
    ("businesses", "problem"),
    [
        ([], "1 to 100 businesses"),
        ([asked()] * (MAX_NUMBERS_PER_CALL + 1), "1 to 100 businesses"),
        ([asked("220-81-62517")], "ten ASCII digits"),
        ([asked(start_dt="2015-03-02")], "YYYYMMDD"),
        ([asked(p_nm=" ")], "representative's name"),
    ],
)
async def test_a_request_outside_the_contract_is_a_bug_and_never_sent(
    make_client: MakeClient,
    fake_nts: NtsFake,
    businesses: list[ValidationRequest],
    problem: str,
) -> None:
    with pytest.raises(ValueError, match=problem):
        await make_client().validate(businesses)
    assert fake_nts.calls == 0


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        (Reply.gateway(-10), RateLimited, "-10"),
        (Reply.http(429), RateLimited, None),
        (Reply.gateway(-4), AuthenticationFailed, "-4"),
        (Reply.http(401), AuthenticationFailed, None),
        (Reply.http(403), AuthenticationFailed, None),
        (Reply.api_error("INTERNAL_ERROR"), Unavailable, "INTERNAL_ERROR"),
        (Reply.http(503), Unavailable, None),
        (Reply.api_error("BAD_JSON_REQUEST"), Refused, "BAD_JSON_REQUEST"),
        (Reply.api_error("TOO_LARGE_REQUEST"), Refused, "TOO_LARGE_REQUEST"),
    ],
)
async def test_each_error_the_contract_documents_is_typed(
    make_client: MakeClient,
    fake_nts: NtsFake,
    reply: Reply,
    error: type[Exception],
    code: str | None,
) -> None:
    fake_nts.script(*[reply] * 3)  # retried errors fail every attempt

    with pytest.raises(error) as raised:
        await make_client().validate([asked()])

    assert getattr(raised.value, "code", None) == code
    assert str(raised.value).startswith("validate: ")
    assert fake_nts.service_key not in str(raised.value)


async def test_an_answer_missing_a_business_is_an_invalid_response(
    make_client: MakeClient, fake_nts: NtsFake
) -> None:
    body = b'{"status_code": "OK", "request_cnt": 2, "valid_cnt": 0, "data": []}'
    fake_nts.script(Reply(200, body))
    with pytest.raises(BadResponse, match="does not list the businesses"):
        await make_client().validate([asked(), asked(SHUT)])

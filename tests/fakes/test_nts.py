"""The contract fake itself: it must refuse what the NTS API would refuse, and say so."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fakes.nts import BASE_PATH, STATUS_PATH, NtsFake, Registered, Reply

OPEN = "2208162517"


@pytest.fixture
async def http(fake_nts: NtsFake) -> AsyncIterator[httpx.AsyncClient]:
    origin = fake_nts.base_url.removesuffix(BASE_PATH)
    async with httpx.AsyncClient(base_url=origin) as client:
        yield client


def key(fake: NtsFake) -> dict[str, str]:
    return {"serviceKey": fake.service_key}


async def test_a_valid_call_is_answered_like_the_api(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    fake_nts.unregistered.add("1234567890")

    answer = await http.post(STATUS_PATH, params=key(fake_nts), json={"b_no": [OPEN, "1234567890"]})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status_code"], body["request_cnt"], body["match_cnt"]) == ("OK", 2, 1)
    registered, unregistered = body["data"]
    assert registered["b_no"] == OPEN
    assert (registered["b_stt"], registered["b_stt_cd"]) == ("계속사업자", "01")
    assert (registered["tax_type"], registered["tax_type_cd"]) == ("부가가치세 일반과세자", "01")
    assert unregistered["b_stt"] == unregistered["b_stt_cd"] == ""
    assert unregistered["tax_type"] == "국세청에 등록되지 않은 사업자등록번호입니다."
    assert fake_nts.batches() == [[OPEN, "1234567890"]]
    assert fake_nts.violations == []


@pytest.mark.parametrize(
    ("send", "status", "violation"),
    [
        ({"json": {"b_no": [OPEN] * 101}}, 413, "status: 101 numbers"),
        ({"json": {"b_no": ["220-81-62517"]}}, 400, "status: b_no ['220-81-62517']"),
        ({"json": {"b_no": []}}, 400, "status: no b_no list"),
        ({"json": {"numbers": [OPEN]}}, 400, "status: no b_no list"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, None),
        ({"data": {"b_no": OPEN}}, 400, None),
    ],
)
async def test_a_malformed_body_is_refused_and_recorded(
    fake_nts: NtsFake,
    http: httpx.AsyncClient,
    send: dict[str, Any],
    status: int,
    violation: str | None,
) -> None:
    with fake_nts.expect_violations() as seen:
        answer = await http.post(STATUS_PATH, params=key(fake_nts), **send)

    assert answer.status_code == status
    assert answer.json()["status_code"] in (
        "TOO_LARGE_REQUEST",
        "REQUEST_DATA_MALFORMED",
        "BAD_JSON_REQUEST",
    )
    if violation is not None:
        assert seen == [violation]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", -401),
        ("serviceKey=wrong", -4),
        # The key sent unencoded: its '+' arrives as a space.
        (None, -4),
    ],
)
async def test_a_missing_or_wrong_key_gets_the_gateways_error(
    fake_nts: NtsFake, http: httpx.AsyncClient, query: str | None, code: int
) -> None:
    raw_query = f"serviceKey={fake_nts.service_key}" if query is None else query
    assert query is not None or "+" in fake_nts.service_key
    with fake_nts.expect_violations():
        answer = await http.post(f"{STATUS_PATH}?{raw_query}", json={"b_no": [OPEN]})

    assert answer.json()["code"] == code
    assert answer.status_code in (400, 401)


async def test_a_revoked_key_is_refused_without_blaming_the_client(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    fake_nts.revoke_key()

    answer = await http.post(STATUS_PATH, params=key(fake_nts), json={"b_no": [OPEN]})

    assert answer.json() == {"code": -4, "msg": "등록되지 않은 인증키 입니다."}
    assert fake_nts.violations == []


async def test_other_paths_and_methods_are_refused(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    with fake_nts.expect_violations() as seen:
        assert (await http.get(STATUS_PATH, params=key(fake_nts))).status_code == 405
        assert (await http.post(f"{BASE_PATH}/verify", params=key(fake_nts))).status_code == 404
    assert seen == ["status: method GET, not POST", f"POST {BASE_PATH}/verify: no such path"]


async def test_scripted_replies_come_first_then_the_default(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    fake_nts.script(Reply.api_error("INTERNAL_ERROR"), Reply.http(502))

    statuses = [
        (await http.post(STATUS_PATH, params=key(fake_nts), json={"b_no": [OPEN]})).status_code
        for _ in range(3)
    ]

    assert statuses == [500, 502, 200]
    assert fake_nts.calls == 3


VALIDATE_PATH = f"{BASE_PATH}/validate"


def business(**fields: str) -> dict[str, str]:
    """A /validate item as FACTS.md shows it: every field present, the optional ones empty."""
    item = dict.fromkeys(
        ("b_no", "start_dt", "p_nm", "p_nm2", "b_nm", "corp_no", "b_sector", "b_type", "b_adr"),
        "",
    )
    return item | {"b_no": OPEN, "start_dt": "20150302", "p_nm": "홍길동"} | fields


async def test_validate_matches_the_register_and_answers_the_status_only_on_a_match(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    fake_nts.register[OPEN] = Registered("20150302", ("홍길동", "김철수"), "주식회사 예시")

    answer = await http.post(
        VALIDATE_PATH,
        params=key(fake_nts),
        json={
            "businesses": [
                business(),
                business(p_nm="김철수", b_nm="주식회사 예시"),
                business(start_dt="20150303"),
                business(b_nm="다른 회사"),
                business(b_no="1248100998"),
            ]
        },
    )

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status_code"], body["request_cnt"], body["valid_cnt"]) == ("OK", 5, 2)
    assert [item["valid"] for item in body["data"]] == ["01", "01", "02", "02", "02"]
    matched, _, mismatched, *_ = body["data"]
    assert matched["status"]["b_stt_cd"] == "01"
    assert matched["request_param"]["p_nm"] == "홍길동"
    assert "status" not in mismatched
    assert mismatched["valid_msg"] == "확인할 수 없습니다."
    assert [[b["b_no"] for b in call] for call in fake_nts.validations()] == [
        [OPEN, OPEN, OPEN, OPEN, "1248100998"]
    ]
    assert fake_nts.batches() == []  # /status was not asked


@pytest.mark.parametrize(
    ("body", "status", "violation"),
    [
        ({"businesses": [business()] * 101}, 413, "validate: 101 businesses"),
        ({"businesses": []}, 400, "validate: no businesses list"),
        ({"b_no": [OPEN]}, 400, "validate: no businesses list"),
        ({"businesses": [business(start_dt="2015-03-02")]}, 400, "start_dt is not YYYYMMDD"),
        ({"businesses": [business(p_nm="")]}, 400, "p_nm is empty"),
        ({"businesses": [business(b_no="220-81-62517")]}, 400, "b_no is not ten digits"),
        ({"businesses": [{"b_no": OPEN, "start_dt": "20150302", "p_nm": 1}]}, 400, "not a string"),
        ({"businesses": [business(name="x")]}, 400, "unknown fields ['name']"),
    ],
)
async def test_a_malformed_validate_request_is_refused_and_recorded(
    fake_nts: NtsFake, http: httpx.AsyncClient, body: dict[str, Any], status: int, violation: str
) -> None:
    with fake_nts.expect_violations() as seen:
        answer = await http.post(VALIDATE_PATH, params=key(fake_nts), json=body)

    assert answer.status_code == status
    assert answer.json()["status_code"] in ("TOO_LARGE_REQUEST", "REQUEST_DATA_MALFORMED")
    [recorded] = seen
    assert violation in recorded
    assert fake_nts.validations() == []


async def test_validate_needs_the_service_key_like_status(
    fake_nts: NtsFake, http: httpx.AsyncClient
) -> None:
    with fake_nts.expect_violations() as seen:
        answer = await http.post(VALIDATE_PATH, json={"businesses": [business()]})
    assert (answer.status_code, answer.json()["code"]) == (401, -401)
    assert seen == ["validate: no serviceKey in the query"]

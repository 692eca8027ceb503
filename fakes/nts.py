"""A contract fake of the National Tax Service business status API (data.go.kr 15081808).

A real HTTP server on 127.0.0.1 in a background thread, answering
`POST /api/nts-businessman/v1/status?serviceKey=...` with `{"b_no": [...]}` and
`POST .../validate?serviceKey=...` with `{"businesses": [...]}` as the API does. Every
request is checked against the contract (the key, JSON, at most 100 ten-digit numbers or
businesses, each business with its required b_no, start_dt and p_nm); a breach is
recorded in `violations` and answered the way the API would. The `fake_nts` fixture
fails the test at teardown if a breach was not expected:

    with fake_nts.expect_violations() as seen:
        ...  # something that breaks the contract on purpose

Numbers answer as active general taxpayers unless set in `businesses` (e.g.
`fake.businesses[n] = CLOSED`) or listed in `unregistered`. `/validate` matches against
`register` (`fake.register[n] = Registered("20150302", ("홍길동",), "주식회사 예시")`),
which the tests seed: a number not in it does not match. `fake.script(Reply...)`
queues answers; once the queue is empty the realistic default answer comes back.
"""

import base64
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fakes.server import KeepAliveHandler, ThreadedServer, expect_violations

BASE_PATH = "/api/nts-businessman/v1"
STATUS_PATH = f"{BASE_PATH}/status"
VALIDATE_PATH = f"{BASE_PATH}/validate"
MAX_NUMBERS = 100
# What the API says of details it cannot find in the register.
NOT_VALID_TEXT = "확인할 수 없습니다."
VALIDATE_FIELDS = (
    *("b_no", "start_dt", "p_nm", "p_nm2", "b_nm"),
    *("corp_no", "b_sector", "b_type", "b_adr"),
)
_JSON = "application/json"

_STATES = {"01": "계속사업자", "02": "휴업자", "03": "폐업자"}
_TAX_TYPES = {
    "01": "부가가치세 일반과세자",
    "02": "부가가치세 간이과세자",
    "03": "부가가치세 과세특례자",
    "04": "부가가치세 면세사업자",
    "05": "수익사업을 영위하지 않는 비영리법인이거나 고유번호가 부여된 단체,국가기관 등",
    "06": "고유번호가 부여된 단체",
    "07": "부가가치세 간이과세자(세금계산서 발급사업자)",
}
UNREGISTERED_TEXT = "국세청에 등록되지 않은 사업자등록번호입니다."
# The gateway's own errors (api.odcloud.kr), with the HTTP status it sends them with.
GATEWAY_ERRORS = {
    -1: (400, "시스템 내부 오류가 발생하였습니다."),
    -2: (400, "요청하신 파라미터가 적합하지 않습니다."),
    -3: (400, "등록되지 않은 서비스 입니다."),
    -4: (400, "등록되지 않은 인증키 입니다."),
    -9: (400, "종료된 서비스 입니다."),
    -10: (400, "트래픽 허용 횟수를 초과하였습니다."),
    -401: (401, "유효하지 않은 인증키 입니다."),
}
API_ERRORS = {
    "BAD_JSON_REQUEST": 400,
    "REQUEST_DATA_MALFORMED": 400,
    "TOO_LARGE_REQUEST": 413,
    "INTERNAL_ERROR": 500,
    "HTTP_ERROR": 500,
}
_TEN_DIGITS = re.compile(r"[0-9]{10}")


@dataclass(frozen=True)
class Business:
    """What the NTS knows of a registered number."""

    b_stt_cd: str  # 01 active, 02 inactive (휴업), 03 closed (폐업)
    tax_type_cd: str = "01"
    end_dt: str = ""


ACTIVE = Business("01", "01")
SIMPLIFIED = Business("01", "02")
EXEMPT = Business("01", "04")
INACTIVE = Business("02", "01")
CLOSED = Business("03", "01", end_dt="20240131")


@dataclass(frozen=True)
class Registered:
    """What the register holds of a certificate, for `/validate` to compare with.

    Any one of `representatives` matches `p_nm` (joint representatives); a `b_nm` sent
    must equal `name`.
    """

    start_dt: str  # YYYYMMDD
    representatives: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class Reply:
    """One scripted answer; `body=None` with HTTP 200 means the realistic default."""

    http_status: int = 200
    body: bytes | None = None
    content_type: str = _JSON

    @classmethod
    def gateway(cls, code: int) -> "Reply":
        """An error from the gateway in front of the API, e.g. -4 for an unknown key."""
        status, message = GATEWAY_ERRORS[code]
        return cls(status, _json({"code": code, "msg": message}))

    @classmethod
    def api_error(cls, status_code: str) -> "Reply":
        """The API's own failure, e.g. "INTERNAL_ERROR" (HTTP 500)."""
        return cls(API_ERRORS[status_code], _json({"status_code": status_code}))

    @classmethod
    def http(cls, status: int, body: bytes = b"<html>error</html>") -> "Reply":
        """A bare HTTP failure, as a proxy in front of the gateway sends it."""
        return cls(status, body, "text/html")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    numbers: list[str] | None  # the b_no asked about in a valid /status request
    headers: Mapping[str, str] = field(default_factory=dict)
    businesses: list[dict[str, str]] | None = None  # those of a valid /validate request


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str = _JSON


class _Refusal(Exception):
    def __init__(self, violation: str | None, answer: _Answer) -> None:
        super().__init__(violation)
        self.violation = violation
        self.answer = answer


class NtsFake:
    """The fake server and its knobs. Attributes may be changed while it runs."""

    def __init__(self) -> None:
        # Like a data.go.kr "Decoding" key: base64 with +, / and =, which need encoding.
        self.service_key = base64.b64encode(b"\xfb\xff" + secrets.token_bytes(30)).decode()
        self.businesses: dict[str, Business] = {}
        self.unregistered: set[str] = set()
        self.register: dict[str, Registered] = {}
        self.violations: list[str] = []
        self.requests: list[RecordedRequest] = []

        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._key_revoked = False
        self._server: _Server | None = None

    # Lifecycle

    def start(self) -> "NtsFake":
        self._server = _Server(_Handler)
        self._server.fake = self
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        """What NTS_BASE_URL is set to."""
        if self._server is None:
            raise RuntimeError("the fake is not started")
        return f"{self._server.url}{BASE_PATH}"

    def overrides(self) -> dict[str, Any]:
        """Settings values that make the bot use this fake as its status provider."""
        return {
            "status_provider": "nts",
            "nts_service_key": self.service_key,
            "nts_base_url": self.base_url,
        }

    # Scripting and inspection

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def revoke_key(self) -> None:
        """From now on the key is refused (-4), as after data.go.kr withdrew it."""
        with self._lock:
            self._key_revoked = True

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def batches(self) -> list[list[str]]:
        """The numbers of each /status request that carried them, in the order received."""
        with self._lock:
            return [list(r.numbers) for r in self.requests if r.numbers is not None]

    def validations(self) -> list[list[dict[str, str]]]:
        """The businesses of each valid /validate request, in the order received."""
        with self._lock:
            return [list(r.businesses) for r in self.requests if r.businesses is not None]

    def expect_violations(self) -> AbstractContextManager[list[str]]:
        """Collect the violations provoked inside the block; fail if there were none."""
        return expect_violations(self.violations, self._lock, "NTS")

    # Request handling (called from the server's threads)

    def _answer(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        parts = urlsplit(target)
        numbers: list[str] | None = None
        businesses: list[dict[str, str]] | None = None
        endpoint = parts.path.rsplit("/", 1)[-1]
        try:
            if parts.path not in (STATUS_PATH, VALIDATE_PATH):
                raise _Refusal(f"{method} {parts.path}: no such path", _Answer(404, b""))
            if method != "POST":
                raise _Refusal(f"{endpoint}: method {method}, not POST", _Answer(405, b""))
            self._check_key(parts.query, endpoint)
            document = self._json_body(headers, body, endpoint)
            if parts.path == STATUS_PATH:
                numbers = self._check_numbers(document)
            else:
                businesses = self._check_businesses(document)
            with self._lock:
                reply = self._script.popleft() if self._script else Reply()
            if reply.body is None and reply.http_status == 200 and numbers is not None:
                return self._status(numbers)
            if reply.body is None and reply.http_status == 200 and businesses is not None:
                return self._validate(businesses)
            return _Answer(reply.http_status, reply.body or b"", reply.content_type)
        except _Refusal as refusal:
            if refusal.violation is not None:
                with self._lock:
                    self.violations.append(refusal.violation)
            return refusal.answer
        finally:
            with self._lock:
                self.requests.append(
                    RecordedRequest(method, parts.path, numbers, headers, businesses)
                )

    def _check_key(self, query: str, endpoint: str) -> None:
        keys = parse_qs(query, keep_blank_values=True).get("serviceKey", [])
        if not keys:
            raise _Refusal(f"{endpoint}: no serviceKey in the query", _gateway(-401))
        if keys != [self.service_key]:
            # A '+' sent unencoded arrives as a space; an encoded key encoded again keeps a '%'.
            raise _Refusal(f"{endpoint}: serviceKey is not the key issued", _gateway(-4))
        with self._lock:
            revoked = self._key_revoked
        if revoked:  # the provider's doing, not the client's: no violation
            raise _Refusal(None, _gateway(-4))

    def _json_body(self, headers: Mapping[str, str], body: bytes, endpoint: str) -> Any:
        content_type = headers.get("content-type", "")
        if not content_type.startswith(_JSON):
            raise _Refusal(f"{endpoint}: Content-Type {content_type!r}", _api("BAD_JSON_REQUEST"))
        try:
            return json.loads(body)
        except ValueError:
            raise _Refusal(f"{endpoint}: body is not JSON", _api("BAD_JSON_REQUEST")) from None

    def _check_numbers(self, document: Any) -> list[str]:
        numbers = document.get("b_no") if isinstance(document, dict) else None
        if not (isinstance(numbers, list) and numbers):
            raise _Refusal("status: no b_no list", _api("REQUEST_DATA_MALFORMED"))
        if len(numbers) > MAX_NUMBERS:
            raise _Refusal(f"status: {len(numbers)} numbers", _api("TOO_LARGE_REQUEST"))
        bad = [n for n in numbers if not (isinstance(n, str) and _TEN_DIGITS.fullmatch(n))]
        if bad:
            raise _Refusal(f"status: b_no {bad[:3]!r}", _api("REQUEST_DATA_MALFORMED"))
        return numbers

    def _check_businesses(self, document: Any) -> list[dict[str, str]]:
        businesses = document.get("businesses") if isinstance(document, dict) else None
        if not (isinstance(businesses, list) and businesses):
            raise _Refusal("validate: no businesses list", _api("REQUEST_DATA_MALFORMED"))
        if len(businesses) > MAX_NUMBERS:
            raise _Refusal(f"validate: {len(businesses)} businesses", _api("TOO_LARGE_REQUEST"))
        for index, business in enumerate(businesses):
            problem = _business_problem(business)
            if problem is not None:
                raise _Refusal(
                    f"validate: businesses[{index}] {problem}", _api("REQUEST_DATA_MALFORMED")
                )
        return businesses

    def _status(self, numbers: list[str]) -> _Answer:
        with self._lock:
            data = [self._item(number) for number in numbers]
        matched = sum(1 for item in data if item["b_stt_cd"])
        answer = {
            "request_cnt": len(numbers),
            "match_cnt": matched,
            "status_code": "OK",
            "data": data,
        }
        return _Answer(200, _json(answer))

    def _validate(self, businesses: list[dict[str, str]]) -> _Answer:
        with self._lock:
            data = [self._validation(business) for business in businesses]
        answer = {
            "status_code": "OK",
            "request_cnt": len(businesses),
            "valid_cnt": sum(1 for item in data if item["valid"] == "01"),
            "data": data,
        }
        return _Answer(200, _json(answer))

    def _validation(self, business: dict[str, str]) -> dict[str, Any]:
        """01 with the status when the register holds these details; 02 otherwise."""
        asked = {name: business.get(name, "") for name in VALIDATE_FIELDS}
        entry = self.register.get(business["b_no"])
        matches = (
            entry is not None
            and business["start_dt"] == entry.start_dt
            and business["p_nm"] in entry.representatives
            and business.get("b_nm", "") in ("", entry.name)
            # Details the register here does not hold cannot match when given.
            and not any(business.get(name) for name in VALIDATE_FIELDS[3:] if name != "b_nm")
        )
        if not matches:
            return {
                "b_no": business["b_no"],
                "valid": "02",
                "valid_msg": NOT_VALID_TEXT,
                "request_param": asked,
            }
        return {
            "b_no": business["b_no"],
            "valid": "01",
            "request_param": asked,
            "status": self._item(business["b_no"]),
        }

    def _item(self, number: str) -> dict[str, str]:
        if number in self.unregistered:
            return _item(number, b_stt="", b_stt_cd="", tax_type=UNREGISTERED_TEXT)
        business = self.businesses.get(number, ACTIVE)
        return _item(
            number,
            b_stt=_STATES.get(business.b_stt_cd, ""),
            b_stt_cd=business.b_stt_cd,
            tax_type=_TAX_TYPES.get(business.tax_type_cd, ""),
            tax_type_cd=business.tax_type_cd,
            end_dt=business.end_dt,
            rbf_tax_type="해당없음",
            rbf_tax_type_cd="99",
            utcc_yn="N",
        )


def _item(number: str, **fields: str) -> dict[str, str]:
    item = {
        "b_no": number,
        "b_stt": "",
        "b_stt_cd": "",
        "tax_type": "",
        "tax_type_cd": "",
        "end_dt": "",
        "utcc_yn": "",
        "tax_type_change_dt": "",
        "invoice_apply_dt": "",
        "rbf_tax_type": "",
        "rbf_tax_type_cd": "",
    }
    item.update(fields)
    return item


class _Server(ThreadedServer):
    fake: NtsFake


class _Handler(KeepAliveHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.fake._answer(self.command, self.path, headers, body)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", f"{answer.content_type};charset=UTF-8")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST


def _business_problem(business: object) -> str | None:
    """What breaks the contract in one business of a /validate request, if anything."""
    if not isinstance(business, dict):
        return "is not an object"
    if not all(isinstance(value, str) for value in business.values()):
        return "has a value that is not a string"
    unknown = sorted(set(business) - set(VALIDATE_FIELDS))
    if unknown:
        return f"has unknown fields {unknown}"
    if not _TEN_DIGITS.fullmatch(business.get("b_no", "")):
        return "b_no is not ten digits"
    if not re.fullmatch(r"[0-9]{8}", business.get("start_dt", "")):
        return "start_dt is not YYYYMMDD"
    if not business.get("p_nm", "").strip():
        return "p_nm is empty"
    return None


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _gateway(code: int) -> _Answer:
    reply = Reply.gateway(code)
    return _Answer(reply.http_status, reply.body or b"")


def _api(status_code: str) -> _Answer:
    reply = Reply.api_error(status_code)
    return _Answer(reply.http_status, reply.body or b"")

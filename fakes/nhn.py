"""A contract fake of NHN Cloud Document OCR and its User Access Key token endpoint.

A real HTTP server on 127.0.0.1 in a background thread, so it serves tests in this
process, subprocesses (point NHN_OCR_BASE_URL and NHN_OAUTH_URL at `fake.url`, or use
`fake.env()`) and benchmarks alike. Every request is checked against the documented
contract; a breach is recorded in `violations` and answered the way NHN would. The
`fake_nhn` fixture (tests/support/fake_servers.py) fails the test at teardown if a breach
was not expected:

    with fake_nhn.expect_violations() as seen:
        ...  # something that breaks the contract on purpose
    assert "..." in seen[0]

Scripting: `fake.script("business", Reply.error(4000002), Reply.ok())` queues answers per
endpoint ("business", "business/status", "credit-card", "public-keys/credit-card",
"token"); once the queue is empty the endpoint answers with its realistic default.

The credit-card API v2.1 (and v2.0) is served as FACTS.md describes it: a public key
(an RSA key the fake makes), a symmetric key unwrapped with its private key, an image
that must decrypt to a real JPEG or PNG, and an answer whose number fields are
encrypted, scripted `Reply.ok(...)` answers included. `fake.rotate_card_key()` retires
the key, as NHN may. With `fake.record_wire = True` every exchange is kept byte for byte
in `fake.wire`, and every decrypted card image in `fake.card_images`.
"""

import base64
import binascii
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field, replace
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.config import Settings
from fakes.server import KeepAliveHandler, ThreadedServer, expect_violations

BUSINESS = "business"
STATUS = "business/status"
CARD = "credit-card"
PUBLIC_KEY = "public-keys/credit-card"
TOKEN = "token"
OCR_ENDPOINTS = (BUSINESS, STATUS, CARD)
# The sealed card API: v2.0 with the v1.0 secret key, v2.1 with the v1.1 token.
SEALED_VERSIONS = ("v2.0", "v2.1")
TOKEN_PATH = "/oauth2/token/create"

# The API Gateway answers these itself, with a real HTTP status (FACTS.md).
GATEWAY_HTTP_STATUS = {4131000: 413, 4291000: 429, 4041007: 404, 5020001: 502, 5030001: 503}
_RESULT_MESSAGES = {
    -1: "Unknown error.",
    405: "Method Not Allowed",
    4000001: "Invalid parameter.",
    4000002: "Invalid file.",
    4000003: "Invalid file type.",
    4000004: "Uploaded file is empty.",
    4000005: "Required headers is missing.",
    4000006: "Api call limit exceeded.",
    4000301: "Invalid key version.",
    4000302: "Invalid symmetric key.",
    4000303: "Invalid encrypted data.",
    4010001: "Invalid appKey or secretKey.",
    4010006: "Invalid token.",
    4041007: "Not Found",
    4131000: "Request size is larger than permissible limit.",
    4291000: "Too Many Requests",
    5000503: "The API you requested is temporarily unavailable. Please try again later.",
}
# Wording as Hometax shows it; NHN does not publish its statusMessage texts.
_STATUS_MESSAGES = {
    "00": "국세청에 등록되지 않은 사업자등록번호입니다.",
    "01": "부가가치세 일반과세자 입니다.",
    "02": "부가가치세 간이과세자 입니다.",
    "03": "부가가치세 면세사업자 입니다.",
    "04": "비영리법인 또는 국가기관, 고유번호가 부여된 단체입니다.",
    "05": "휴업자 입니다.",
    "06": "폐업자 입니다.",
}
_OCR_PATH = re.compile(
    r"/(v1\.[01]|v2\.[01])/appkeys/([^/]+)/"
    r"(business/status|business|credit-card|public-keys/credit-card)"
)
_MAGIC = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"%PDF-", "pdf", "application/pdf"),
)
_EXTENSIONS = {"jpg": (".jpg", ".jpeg"), "png": (".png",), "pdf": (".pdf",)}
_JSON = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    `body=None` with HTTP 200 means the endpoint's realistic default answer (after
    `delay_s`); with another status, an empty body.
    """

    http_status: int = 200
    body: bytes | None = None
    content_type: str = _JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    @classmethod
    def ok(cls, result: Mapping[str, Any] | None = None) -> "Reply":
        if result is None:
            return cls()
        header = {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}
        return cls(body=_json({"header": header, "result": result}))

    @classmethod
    def error(
        cls,
        code: int,
        message: str | None = None,
        *,
        http_status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> "Reply":
        """A failure header; HTTP 200 unless the code is the API Gateway's own."""
        status = GATEWAY_HTTP_STATUS.get(code, 200) if http_status is None else http_status
        text = _RESULT_MESSAGES.get(code, f"Error {code}.") if message is None else message
        header = {"isSuccessful": False, "resultCode": code, "resultMessage": text}
        return cls(http_status=status, body=_json({"header": header}), headers=headers or {})

    @classmethod
    def oauth_error(cls, error: str = "invalid_client", *, http_status: int = 401) -> "Reply":
        """An RFC 6749 section 5.2 token error."""
        return cls(http_status=http_status, body=_json({"error": error}))

    @classmethod
    def delay(cls, seconds: float, then: "Reply | None" = None) -> "Reply":
        return replace(then or cls(), delay_s=seconds)


@dataclass(frozen=True)
class RecordedRequest:
    endpoint: str | None
    method: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any] | None  # JSON, form fields, or the image part's name/type/size
    at: float = field(default_factory=time.monotonic)  # when it came in


@dataclass(frozen=True)
class WireExchange:
    """One request and its answer exactly as they crossed the socket (`record_wire`)."""

    endpoint: str | None
    path: str
    request_headers: Mapping[str, str]
    request_body: bytes = field(repr=False)
    response_body: bytes = field(repr=False)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class _Refusal(Exception):
    """A request NHN would refuse; a breach of the contract unless `violation` is None."""

    def __init__(self, violation: str | None, answer: _Answer) -> None:
        super().__init__(violation)
        self.violation = violation
        self.answer = answer


@dataclass(frozen=True)
class _ImagePart:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    sealed_size: int | None = None  # v2: the size of the encrypted part
    declared_type: str | None = None  # v2: the part's own Content-Type


class NhnFake:
    """The fake server and its knobs. Attributes may be changed while it runs."""

    def __init__(self) -> None:
        # Unique per instance, so a leak test can search for them anywhere.
        self.app_key = "appkey-" + secrets.token_hex(8)
        self.user_access_key_id = "ukid-" + secrets.token_hex(8)
        self.secret_access_key = "sak-" + secrets.token_hex(8)
        self.secret_key = "sk-" + secrets.token_hex(8)

        self.latency_s = 0.0
        self.token_lifetime_s = 86400.0
        self.expires_in_as_string = False
        self.max_request_bytes = 20 * 1024 * 1024
        self.statuses: dict[str, str] = {}
        self.card_number = "5555555555554444"
        self.valid_thru = "12/29"
        self.business_key_values: list[tuple[str, str, float]] = [
            ("구분", " 법인사업자", 0.97),
            ("등록번호", "220-81-62517", 1.0),
            ("상호", "주식회사 한빛테크놀로지", 0.96),
            ("대표자", "김민준", 0.98),
            ("개업연월일", "2012 년 03 월 05 일", 0.95),
            ("법인등록번호", "110111-4812345", 0.97),
            ("사업장 소재지", "서울특별시 강남구 테헤란로 152, 12층 (역삼동)", 0.93),
            ("본점 소재지", "서울특별시 강남구 테헤란로 152, 12층 (역삼동)", 0.92),
            ("업태", "정보통신업 도매 및 소매업", 0.9),
            ("종목", "응용 소프트웨어 개발 및 공급업 전자상거래 소매업", 0.88),
        ]

        # "der": Base64 of the DER SubjectPublicKeyInfo, as the guide's "Base64 encoded"
        # reads; "pem": the PEM text, to show the client takes either.
        self.public_key_format = "der"
        self.seal_answers = True  # False: a broken server that answers v2 in plain text
        self.record_wire = False
        self.wire: list[WireExchange] = []
        self.card_images: list[bytes] = []

        self.violations: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.tokens_issued = 0
        self.max_in_flight = 0

        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._calls: Counter[str] = Counter()
        self._tokens: dict[str, float] = {}  # token -> expiry (time.monotonic)
        self._revoked: set[str] = set()
        # Card key versions: the current one and those rotated out; made on first use,
        # as an RSA key takes a tenth of a second to make.
        self._card_keys: dict[str, rsa.RSAPrivateKey] = {}
        self._card_key_version: str | None = None
        self._in_flight = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None

    # Lifecycle

    def start(self) -> "NhnFake":
        self._server = _Server(_Handler)
        self._server.fake = self
        self._server.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on latency or a delay
        if self._server is not None:
            self._server.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        return self._server.url

    # Configuration for the code under test

    def env(self, version: str = "v1.1") -> dict[str, str]:
        """NHN_* variables for a subprocess using this fake.

        Merge them over an environment stripped of other NHN_* variables: a leftover
        NHN_USER_ACCESS_KEY_ID would switch a v1.0 subprocess to v1.1.
        """
        values = {
            "NHN_OCR_APP_KEY": self.app_key,
            "NHN_OCR_BASE_URL": self.url,
            "NHN_OAUTH_URL": self.url,
        }
        if version == "v1.1":
            values["NHN_USER_ACCESS_KEY_ID"] = self.user_access_key_id
            values["NHN_SECRET_ACCESS_KEY"] = self.secret_access_key
        elif version == "v1.0":
            values["NHN_OCR_SECRET_KEY"] = self.secret_key
        else:
            raise ValueError(f"unknown API version {version!r}")
        return values

    def settings(self, version: str = "v1.1", **overrides: Any) -> Settings:
        """Settings for this fake, ignoring the environment's NHN credentials and .env."""
        values: dict[str, Any] = {
            "nhn_ocr_app_key": self.app_key,
            "nhn_user_access_key_id": None,
            "nhn_secret_access_key": None,
            "nhn_ocr_secret_key": None,
        }
        values.update({name.lower(): value for name, value in self.env(version).items()})
        values.update(overrides)
        return Settings(_env_file=None, **values)

    # Scripting and inspection

    def script(self, endpoint: str, *replies: Reply) -> None:
        if endpoint not in (*OCR_ENDPOINTS, PUBLIC_KEY, TOKEN):
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._lock:
            self._scripts.setdefault(endpoint, deque()).extend(replies)

    def calls(self, endpoint: str) -> int:
        with self._lock:
            return self._calls[endpoint]

    @property
    def card_key_version(self) -> str:
        """The version of the card public key now served (made on first use)."""
        return self._current_card_key()[0]

    def rotate_card_key(self) -> str:
        """Serve a new card key; requests under the old version now get 4000301."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self._lock:
            version = str(len(self._card_keys) + 1)
            self._card_keys[version] = key
            self._card_key_version = version
        return version

    def card_public_key_text(self, key_format: str | None = None) -> str:
        """The public key as `result.key` carries it."""
        public = self._current_card_key()[1].public_key()
        if (key_format or self.public_key_format) == "pem":
            pem = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return pem.decode("ascii")
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def _current_card_key(self) -> tuple[str, rsa.RSAPrivateKey]:
        with self._lock:
            version = self._card_key_version
            if version is not None:
                return version, self._card_keys[version]
        self.rotate_card_key()
        return self._current_card_key()

    def revoke_tokens(self) -> None:
        """Every token issued so far now gets 4010006, as after a key rotation."""
        with self._lock:
            self._revoked.update(self._tokens)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.endpoint == endpoint]

    def expect_violations(self) -> AbstractContextManager[list[str]]:
        """Collect the violations provoked inside the block; fail if there were none."""
        return expect_violations(self.violations, self._lock, "NHN")

    # Request handling (called from the server's threads)

    def _answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[str | None, _Answer]:
        endpoint, version, app_key = _route(path)
        record: Mapping[str, Any] | None = None
        try:
            if endpoint is None:
                raise _Refusal(f"{method} {path}: no such path", _error(4041007))
            expected_method = "GET" if endpoint == PUBLIC_KEY else "POST"
            if method != expected_method:
                raise _Refusal(
                    f"{endpoint}: method {method}, not {expected_method}", _error(405, status=405)
                )
            if endpoint == TOKEN:
                record = _form(body)
                self._check_token_request(headers, record)
                return endpoint, self._reply(endpoint, self._issue_token)
            if len(body) > self.max_request_bytes:
                return endpoint, _error(4131000)
            if app_key != self.app_key:
                raise _Refusal(f"{endpoint}: wrong app key", _error(4010001))
            self._check_ocr_auth(endpoint, version, headers)
            if endpoint == PUBLIC_KEY:
                return endpoint, self._reply(endpoint, self._public_key)
            if endpoint == STATUS:
                record, number = self._check_status_request(headers, body)
                return endpoint, self._reply(endpoint, lambda: self._status(number))
            if version in SEALED_VERSIONS:
                part, key = self._open_card_request(headers, body)
                record = {
                    "filename": part.filename,
                    "content_type": part.content_type,  # of the image once decrypted
                    "size": len(part.data),
                    "sealed_size": part.sealed_size,
                    "declared_type": part.declared_type,
                }
                answer = self._reply(endpoint, lambda: self._card(part))
                return endpoint, _sealed(answer, key) if self.seal_answers else answer
            part = _check_image_request(endpoint, headers, body)
            record = {
                "filename": part.filename,
                "content_type": part.content_type,
                "size": len(part.data),
            }
            read = self._business if endpoint == BUSINESS else self._card
            return endpoint, self._reply(endpoint, lambda: read(part))
        except _Refusal as refusal:
            if refusal.violation is not None:
                with self._lock:
                    self.violations.append(refusal.violation)
            return endpoint, refusal.answer
        finally:
            with self._lock:
                self.requests.append(RecordedRequest(endpoint, method, path, headers, record))
                if endpoint is not None:
                    self._calls[endpoint] += 1

    def _reply(self, endpoint: str, default: Callable[[], _Answer]) -> _Answer:
        """The next scripted reply for `endpoint`, else its default answer."""
        with self._lock:
            queue = self._scripts.get(endpoint)
            reply = queue.popleft() if queue else Reply()
        if reply.body is None and reply.http_status == 200:
            return replace(default(), delay_s=reply.delay_s)
        return _Answer(
            reply.http_status, reply.body or b"", reply.content_type, reply.headers, reply.delay_s
        )

    def _check_token_request(self, headers: Mapping[str, str], form: Mapping[str, Any]) -> None:
        content_type = headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise _Refusal(
                f"token: Content-Type {content_type!r}", _oauth_error("invalid_request", 400)
            )
        expected = base64.b64encode(
            f"{self.user_access_key_id}:{self.secret_access_key}".encode()
        ).decode()
        if headers.get("authorization") != f"Basic {expected}":
            raise _Refusal("token: wrong or missing Basic credentials", _oauth_error())
        if form.get("grant_type") != "client_credentials":
            raise _Refusal(
                f"token: grant_type {form.get('grant_type')!r}",
                _oauth_error("unsupported_grant_type", 400),
            )

    def _issue_token(self) -> _Answer:
        token = secrets.token_urlsafe(24)
        lifetime = self.token_lifetime_s
        with self._lock:
            self._tokens[token] = time.monotonic() + lifetime
            self.tokens_issued += 1
        expires_in: int | float | str = int(lifetime) if lifetime == int(lifetime) else lifetime
        if self.expires_in_as_string:
            expires_in = str(expires_in)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        return _Answer(200, _json(answer))

    def _check_ocr_auth(self, endpoint: str, version: str, headers: Mapping[str, str]) -> None:
        if version in ("v1.0", "v2.0"):
            given = headers.get("authorization")
            if given is None:
                raise _Refusal(f"{endpoint}: v1.0 without Authorization", _error(4000005))
            if given != self.secret_key:
                raise _Refusal(f"{endpoint}: v1.0 with a wrong secret key", _error(4010001))
            return
        given = headers.get("x-nhn-authorization")
        if given is None:
            raise _Refusal(f"{endpoint}: v1.1 without X-NHN-Authorization", _error(4000005))
        scheme, _, token = given.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token)
            revoked = token in self._revoked
        if scheme != "Bearer" or expiry is None:
            raise _Refusal(f"{endpoint}: not a Bearer token this fake issued", _error(4010006))
        if revoked:  # the server's doing, not the client's: no violation
            raise _Refusal(None, _error(4010006))
        if time.monotonic() >= expiry:
            raise _Refusal(f"{endpoint}: token used after it expired", _error(4010006))

    def _public_key(self) -> _Answer:
        version = self.card_key_version
        return _success({"key": self.card_public_key_text(), "version": version})

    def _open_card_request(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple["_ImagePart", bytes]:
        """The decrypted image of a v2.x card request, and the request's symmetric key."""
        version = headers.get("x-key-version")
        wrapped = headers.get("symmetric-key")
        if version is None or wrapped is None:
            raise _Refusal(f"{CARD}: v2 without X-Key-Version or Symmetric-Key", _error(4000005))
        with self._lock:
            private_key = self._card_keys.get(version)
            current = self._card_key_version
        if private_key is None:
            raise _Refusal(f"{CARD}: X-Key-Version {version!r} was never issued", _error(4000301))
        if version != current:  # rotated out by NHN: the client's cue to fetch the key again
            raise _Refusal(None, _error(4000301))
        try:
            key = private_key.decrypt(
                base64.b64decode(wrapped, validate=True), rsa_padding.PKCS1v15()
            )
        except (binascii.Error, ValueError):
            raise _Refusal(f"{CARD}: Symmetric-Key does not unwrap", _error(4000302)) from None
        if len(key) != 32:
            raise _Refusal(f"{CARD}: a {len(key)}-byte symmetric key, not 32", _error(4000302))
        filename, declared_type, sealed = _image_part(CARD, headers, body)
        image = _aes_open(key, sealed)
        if image is None:
            raise _Refusal(f"{CARD}: the image does not decrypt", _error(4000303))
        file_type = _sniff(image)
        if file_type not in ("jpg", "png"):
            raise _Refusal(
                f"{CARD}: the decrypted image is a {file_type or 'unknown'} file", _error(4000303)
            )
        if not filename.lower().endswith(_EXTENSIONS[file_type]):
            raise _Refusal(f"{CARD}: filename extension is not {file_type}", _error(4000003))
        if self.record_wire:
            with self._lock:
                self.card_images.append(image)
        mime = next(mime for _, kind, mime in _MAGIC if kind == file_type)
        return _ImagePart(filename, mime, image, len(sealed), declared_type), key

    def _check_status_request(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[Mapping[str, Any] | None, str]:
        content_type = headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            raise _Refusal(f"{STATUS}: Content-Type {content_type!r}", _error(4000001))
        try:
            document = json.loads(body)
        except ValueError:
            raise _Refusal(f"{STATUS}: body is not JSON", _error(4000001)) from None
        number = document.get("businessNumber") if isinstance(document, dict) else None
        if not (isinstance(number, str) and re.fullmatch(r"[0-9]{10}", number)):
            raise _Refusal(f"{STATUS}: businessNumber {number!r}", _error(4000001))
        return document, number

    def _status(self, number: str) -> _Answer:
        with self._lock:
            code = self.statuses.get(number, "01")
        return _success({"statusCode": code, "statusMessage": _STATUS_MESSAGES.get(code, "")})

    def _business(self, part: _ImagePart) -> _Answer:
        file_type = _sniff(part.data)
        key_values = [
            {"key": key, "value": value, "conf": conf}
            for key, value, conf in self.business_key_values
        ]
        boxes = [
            nhn_box(120, 300 + 90 * row, 40 * len(value), 60)
            for row, (_, value, _) in enumerate(self.business_key_values)
        ]
        return _success(
            {
                "fileType": file_type,
                "unitType": "point" if file_type == "pdf" else "pixel",
                "keyValues": key_values,
                "boxes": boxes,
                "resolution": "normal",
            }
        )

    def _card(self, part: _ImagePart) -> _Answer:
        groups = card_groups(self.card_number)
        boxes = [nhn_box(*where) for where in card_group_places(self.card_number)]
        return _success(
            {
                "fileType": _sniff(part.data),
                "resolution": "normal",
                "cardNums": [{"value": group, "conf": 0.97} for group in groups],
                "totalCardNum": self.card_number,
                "cardNumBoxes": boxes,
                "validThru": {"value": self.valid_thru, "conf": 0.91},
                "validThruBox": nhn_box(316, 315, 110, 32),
            }
        )

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Server(ThreadedServer):
    fake: NhnFake


class _Handler(KeepAliveHandler):
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def _handle(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        path = self.path.split("?", 1)[0]
        endpoint, answer = fake._answer(self.command, path, headers, body)
        if fake.record_wire:
            exchange = WireExchange(endpoint, path, headers, body, answer.body)
            with fake._lock:
                fake.wire.append(exchange)
        is_ocr = endpoint in OCR_ENDPOINTS
        if is_ocr:
            fake._enter()
        try:
            delay = answer.delay_s + (fake.latency_s if is_ocr else 0.0)
            if delay > 0 and fake._stopping.wait(delay):
                self.close_connection = True
                return
            self._write(answer)
        finally:
            if is_ocr:
                fake._leave()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, answer: _Answer) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up, e.g. on its deadline


def _route(path: str) -> tuple[str | None, str, str]:
    if path == TOKEN_PATH:
        return TOKEN, "", ""
    match = _OCR_PATH.fullmatch(path)
    if match is None:
        return None, "", ""
    version, app_key, endpoint = match.groups()
    sealed = version in SEALED_VERSIONS
    if (sealed and endpoint not in (CARD, PUBLIC_KEY)) or (not sealed and endpoint == PUBLIC_KEY):
        return None, "", ""  # v2 serves cards (and id cards) only; v1 has no public keys
    return endpoint, version, app_key


def _check_image_request(endpoint: str, headers: Mapping[str, str], body: bytes) -> _ImagePart:
    filename, part_type, data = _image_part(endpoint, headers, body)
    if not part_type:
        raise _Refusal(f"{endpoint}: the image part has no Content-Type", _error(4000001))
    file_type = _sniff(data)
    accepted = ("jpg", "png") if endpoint == CARD else ("jpg", "png", "pdf")
    if file_type is None or file_type not in accepted:
        raise _Refusal(f"{endpoint}: a {file_type or 'unknown'} file", _error(4000003))
    expected_type = next(mime for _, kind, mime in _MAGIC if kind == file_type)
    if part_type != expected_type:
        raise _Refusal(f"{endpoint}: {part_type} declared for {file_type}", _error(4000003))
    if not filename.lower().endswith(_EXTENSIONS[file_type]):
        raise _Refusal(f"{endpoint}: filename extension is not {file_type}", _error(4000003))
    return _ImagePart(filename, part_type, data)


def _image_part(endpoint: str, headers: Mapping[str, str], body: bytes) -> tuple[str, str, bytes]:
    """The filename, declared Content-Type and bytes of the one multipart part `image`."""
    content_type = headers.get("content-type", "")
    message = Message()
    message["Content-Type"] = content_type
    boundary = message.get_param("boundary")
    if message.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise _Refusal(f"{endpoint}: Content-Type {content_type!r}", _error(4000001))
    parts = _multipart(body, boundary.encode())
    if parts is None:
        raise _Refusal(f"{endpoint}: malformed multipart body", _error(4000001))
    if [name for name, _, _, _ in parts] != ["image"]:
        names = [name for name, _, _, _ in parts]
        raise _Refusal(f"{endpoint}: parts {names}, not exactly one 'image'", _error(4000001))
    _, filename, part_type, data = parts[0]
    if not filename:
        raise _Refusal(f"{endpoint}: the image part has no filename", _error(4000001))
    if not data:
        raise _Refusal(f"{endpoint}: the image is empty", _error(4000004))
    return filename, part_type, data


def _multipart(body: bytes, boundary: bytes) -> list[tuple[str, str, str, bytes]] | None:
    """(name, filename, content type, data) per part, or None when malformed."""
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):
        return None
    rest = body[len(delimiter) :]
    parts = []
    while not rest.startswith(b"--"):
        if not rest.startswith(b"\r\n"):
            return None
        end = rest.find(b"\r\n" + delimiter, 2)
        if end < 0:
            return None
        head, separator, data = rest[2:end].partition(b"\r\n\r\n")
        if not separator:
            return None
        message = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            message[header.strip()] = value.strip()
        field_name = message.get_param("name", header="content-disposition")
        parts.append(
            (
                field_name if isinstance(field_name, str) else "",
                message.get_filename() or "",
                message.get("Content-Type", ""),
                data,
            )
        )
        rest = rest[end + 2 + len(delimiter) :]
    return parts


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode("ascii", "replace")).items()}


def _aes(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def _aes_open(key: bytes, sealed: bytes) -> bytes | None:
    """The plaintext of an AES-256-CBC/PKCS#7 ciphertext, sent raw or as Base64 text (the
    guide leaves the image's form open): the one that is an image if either is (a wrong
    reading passes the padding check one time in 256), None when neither decrypts."""
    candidates = [sealed]
    with suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(sealed, validate=True))
    opened = []
    for ciphertext in candidates:
        if not ciphertext or len(ciphertext) % 16:
            continue
        decryptor = _aes(key).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        with suppress(ValueError):
            plain = decryptor.update(ciphertext) + decryptor.finalize()
            opened.append(unpadder.update(plain) + unpadder.finalize())
    return next((plain for plain in opened if _sniff(plain)), opened[0] if opened else None)


def _aes_seal_text(key: bytes, text: str) -> str:
    padder = padding.PKCS7(128).padder()
    encryptor = _aes(key).encryptor()
    data = padder.update(text.encode()) + padder.finalize()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def _sealed(answer: _Answer, key: bytes) -> _Answer:
    """A successful card answer with `cardNums[].value`, `totalCardNum` and
    `validThru.value` encrypted under the request's key; anything else as it is."""
    try:
        document = json.loads(answer.body)
    except ValueError:
        return answer
    result = document.get("result") if isinstance(document, dict) else None
    if not isinstance(result, dict):
        return answer
    groups = result.get("cardNums")
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and isinstance(group.get("value"), str):
            group["value"] = _aes_seal_text(key, group["value"])
    total = result.get("totalCardNum")
    if isinstance(total, str):
        result["totalCardNum"] = _aes_seal_text(key, total)
    elif isinstance(total, list):
        result["totalCardNum"] = [
            _aes_seal_text(key, item) if isinstance(item, str) else item for item in total
        ]
    valid_thru = result.get("validThru")
    if isinstance(valid_thru, dict) and isinstance(valid_thru.get("value"), str):
        valid_thru["value"] = _aes_seal_text(key, valid_thru["value"])
    return replace(answer, body=_json(document))


def _sniff(data: bytes) -> str | None:
    return next((kind for magic, kind, _ in _MAGIC if data.startswith(magic)), None)


def card_groups(number: str) -> list[str]:
    """The digit groups as the card prints them.

    >>> card_groups("378282246310005")
    ['3782', '822463', '10005']
    """
    if len(number) == 15:  # American Express prints 4-6-5
        return [number[:4], number[4:10], number[10:]]
    return [number[start : start + 4] for start in range(0, len(number), 4)]


def card_group_places(number: str) -> list[tuple[int, int, int, int]]:
    """Where the fake says each digit group is on a card photo: x, y, width, height.

    >>> card_group_places("4111111111111111")[:2]
    [(62, 256, 128, 45), (214, 256, 128, 45)]
    """
    places, x = [], 62
    for group in card_groups(number):
        width = 32 * len(group)
        places.append((x, 256, width, 45))
        x += width + 24
    return places


def nhn_box(x: int, y: int, width: int, height: int) -> dict[str, int]:
    """A box as NHN gives it: four corners from the top left, clockwise."""
    right, bottom = x + width, y + height
    return {
        "x1": x,
        "y1": y,
        "x2": right,
        "y2": y,
        "x3": right,
        "y3": bottom,
        "x4": x,
        "y4": bottom,
    }


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _success(result: Mapping[str, Any]) -> _Answer:
    header = {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"}
    return _Answer(200, _json({"header": header, "result": result}))


def _error(code: int, *, status: int | None = None) -> _Answer:
    reply = Reply.error(code, http_status=status)
    return _Answer(reply.http_status, reply.body or b"")


def _oauth_error(error: str = "invalid_client", status: int = 401) -> _Answer:
    return _Answer(status, _json({"error": error}))

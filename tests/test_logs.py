"""The log filter: a second line of defence that masks card numbers and secrets."""

import io
import json
import logging
from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.domain.card import CardNumber
from bot.log_context import log_context
from bot.logs import (
    CredentialUrlFilter,
    RedactingFilter,
    configure_logging,
    mask_credential_urls,
    redact,
)
from tests.property.strategies import LUHN_CARDS
from tests.support import leaks
from tests.support.leaks import card_digit_runs, card_number_runs


@pytest.mark.parametrize(
    "number",
    ["4111111111111111", "4012888888881881", "5555555555554444", "371449635398431"],
)
@pytest.mark.parametrize("separator", ["", " ", "-"])
def test_card_numbers_are_masked_however_written(number: str, separator: str) -> None:
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    text = f"OCR read {separator.join(groups)} from the photo"
    masked = redact(text)
    assert card_number_runs(masked, number) == []
    assert number[-4:] in masked


@pytest.mark.parametrize(
    "ordinary",
    [
        "ts 1700000000.123456",
        "business 2208162517 status 01",
        "amount 1234567890123 won",  # 13 digits that fail Luhn stay as they are
        "code 4000002",
    ],
)
def test_ordinary_numbers_are_left_alone(ordinary: str) -> None:
    assert redact(ordinary) == ordinary


@pytest.mark.parametrize(
    "token",
    ["xoxb-1234-5678-abcdef", "xoxp-1-2-3", "xapp-1-A0-123-abc", "Bearer eyJhbGciOi.abc.def"],
)
def test_tokens_are_masked(token: str) -> None:
    assert token not in redact(f"calling Slack with {token} now")


def test_configured_secrets_are_masked() -> None:
    assert "s3cret-key" not in redact("key=s3cret-key", secrets=("s3cret-key",))


def test_the_filter_masks_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.logs")
    caplog.handler.addFilter(RedactingFilter(secrets=("app-key-123",)))
    caplog.set_level(logging.DEBUG)
    logger.info("card %s with key %s", "4012 8888 8888 1881", "app-key-123")
    try:
        raise ValueError("bad number 4012888888881881")
    except ValueError:
        logger.exception("failed")
    text = caplog.text
    assert card_number_runs(text, "4012888888881881") == []
    assert "app-key-123" not in text
    assert "1881" in text


def test_configure_logging_installs_the_filter_and_quietens_httpx(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogRecordFactory()
    try:
        configure_logging(logging.INFO, secrets=("nhn-secret",))
        logging.getLogger("tests.logs").warning("paid with 5555555555554444, key nhn-secret")
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
    err = capsys.readouterr().err
    assert "4444" in err
    assert card_number_runs(err, "5555555555554444") == []
    assert "nhn-secret" not in err


# Properties: however a card number is written and whatever is around it, it does not survive;
# ordinary numbers, tokens and secrets each come out as they should.

PROPERTY = settings(max_examples=200, deadline=None)
CARD_SEPARATORS = st.sampled_from(["", " ", "-", " - ", "  "])
NO_DIGITS = st.text(alphabet=st.characters(exclude_categories=["Nd", "No", "Cs"]), max_size=12)


@st.composite
def card_groups(draw: st.DrawFn, number: str) -> str:
    """The number split as cards print it (4-4-4-4, 4-6-5) or at random, one separator."""
    separator = draw(CARD_SEPARATORS)
    sizes = draw(st.sampled_from([(4,), (4, 6, 5), (19,), (1, 2, 3, 4, 5, 6)]))
    groups, rest = [], number
    while rest:
        size = sizes[len(groups) % len(sizes)]
        groups.append(rest[:size])
        rest = rest[size:]
    return separator.join(groups)


@PROPERTY
@given(st.data(), LUHN_CARDS, NO_DIGITS, NO_DIGITS)
def test_no_luhn_valid_card_number_survives_however_written(
    data: st.DataObject, number: str, before: str, after: str
) -> None:
    masked = redact(f"{before}{data.draw(card_groups(number))}{after}")
    assert card_number_runs(masked, number) == [], masked
    assert CardNumber(number).masked() in masked  # the one format, as the card reply shows it


@PROPERTY
@given(
    st.data(),
    LUHN_CARDS,
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    st.sampled_from(["qty ", "x", "no. "]),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_a_card_number_next_to_other_digits_does_not_survive(
    data: st.DataObject, number: str, other: str, word: str, joint: str, other_first: bool
) -> None:
    card = data.draw(card_groups(number))
    text = f"{word}{other}{joint or ' '}{card} ok" if other_first else f"{card}{joint} {other} ok"
    masked = redact(text)
    # The other digits stay; beside the masked number's last four they are not its digits.
    shown = masked.replace(CardNumber(number).masked(), "[card]")
    assert card_number_runs(shown, number) == [], masked


ORDINARY = st.sampled_from(
    [
        "1700000000.123456",  # a Slack ts
        "1714539780",  # a Unix time
        "2208162517",
        "220-81-62517",
        "124-81-00998",
        "1,234,567원",
        "12,345,678,901",
        "2024-05-01",
        "12:30:45",
        "010-1234-5678",
        "F07ABCDEF12",
        "v1.2.3",
        "4000103",
        "port 8080",
    ]
)
# A bare short group ("8080") is left out: four of them side by side are written exactly as
# a card number is, and the filter rightly masks such a run when it passes Luhn.


@PROPERTY
@given(st.lists(ORDINARY, min_size=1, max_size=8), st.sampled_from([" ", ", ", " | ", "\n"]))
def test_ordinary_numbers_side_by_side_are_left_alone(numbers: list[str], gap: str) -> None:
    text = "status " + gap.join(numbers)
    assert redact(text) == text


SLACK_TOKENS = st.one_of(
    st.builds(
        "{}-{}-{}-{}".format,
        st.sampled_from(["xoxb", "xoxp", "xoxe", "xoxa", "xoxr"]),
        st.from_regex(r"[0-9]{10,13}", fullmatch=True),
        st.from_regex(r"[0-9]{10,13}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9]{24}", fullmatch=True),
    ),
    st.builds(
        "xapp-1-A{}-{}-{}".format,
        *[st.from_regex(r"[0-9A-Z]{8,13}", fullmatch=True)] * 2,
        st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    ),
    st.builds("xoxe.xoxp-1-{}".format, st.from_regex(r"[A-Za-z0-9]{40}", fullmatch=True)),
    st.builds(
        "Bearer {}".format,
        st.from_regex(r"[A-Za-z0-9_\-]{10,40}\.[A-Za-z0-9_\-.]{8,60}", fullmatch=True),
    ),
)


@PROPERTY
@given(SLACK_TOKENS)
def test_tokens_are_masked_whole(token: str) -> None:
    assert redact(f"calling with {token} now") == "calling with [redacted] now"


SECRETS = st.text(
    alphabet=st.sampled_from("abcdefghXYZ0123456789-_+/=.%~"), min_size=8, max_size=40
)


@PROPERTY
@given(SECRETS, st.integers(0, 4), st.integers(4, 8))
def test_secrets_are_masked_whole_even_when_one_holds_another(
    secret: str, start: int, length: int
) -> None:
    inner = secret[start : start + length]
    for secrets in [(secret,), (secret, inner), (inner, secret)]:
        assert redact(f"key {secret} end", secrets) == "key [redacted] end"


@PROPERTY
@given(SECRETS)
def test_secrets_are_masked_when_percent_encoded_in_a_url(secret: str) -> None:
    for encoded in (quote(secret, safe=""), quote_plus(secret), quote(quote(secret, safe=""))):
        url = f"GET https://api.odcloud.kr/v1/status?serviceKey={encoded}&x=1"
        assert (
            redact(url, (secret,))
            == "GET https://api.odcloud.kr/v1/status?serviceKey=[redacted]&x=1"
        )


@PROPERTY
@given(st.text(max_size=60), st.lists(st.text(max_size=10), max_size=3))
def test_any_text_and_any_secrets_are_taken(text: str, secrets: list[str]) -> None:
    assert isinstance(redact(text, tuple(secrets)), str)


# A real logger and handler, as configure_logging sets them up.


@pytest.fixture
def logged() -> Iterator[Callable[[], str]]:
    """A logger whose records go through RedactingFilter to a StringIO; call to read it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(secrets=("app-key-0123456789",)))
    logger = logging.getLogger("tests.logs.real")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield stream.getvalue
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_a_chained_traceback_is_masked_everywhere(logged: Callable[[], str]) -> None:
    logger = logging.getLogger("tests.logs.real")
    try:
        try:
            raise KeyError("5555 5555 5555 4444")
        except KeyError as error:
            raise RuntimeError("retry of 4012-8888-8888-1881 with app-key-0123456789") from error
    except RuntimeError:
        logger.exception("card %s failed", "371449635398431")
    output = logged()
    for number in ("5555555555554444", "4012888888881881", "371449635398431"):
        assert card_number_runs(output, number) == [], output
    assert "app-key-0123456789" not in output
    assert "Traceback" in output
    assert "•••• •••• •••• 4444" in output


def test_a_stack_shows_no_card_number_of_the_calling_source(logged: Callable[[], str]) -> None:
    logger = logging.getLogger("tests.logs.real")
    logger.info("where are we", stack_info=True)  # the card was 4111 1111 1111 1111
    output = logged()
    assert "Stack (most recent call last)" in output
    assert "where are we" in output.split("Stack")[1]  # the calling line is shown
    assert card_number_runs(output, "4111111111111111") == [], output


def test_a_malformed_call_neither_raises_nor_prints_its_arguments(
    logged: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("tests.logs.real")
    logger.info("%d cards: %s", "many", "4111111111111111")
    logger.info("%s and %s", "4012888888881881")
    output = logged() + capsys.readouterr().err
    assert card_number_runs(output, "4111111111111111") == [], output
    assert card_number_runs(output, "4012888888881881") == [], output
    assert "%d cards" in output  # the call is still recorded, to be fixed


def test_settings_secrets_are_masked_in_urls_and_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        _env_file=None,
        nhn_ocr_app_key="AppKeyZ9y8X7w6",
        nhn_user_access_key_id="UAKIDabcdef123456",
        nhn_secret_access_key="SecretAccess+Key/42==",
        slack_bot_token="xoxb-1-2-botsecret",
        slack_signing_secret="8f742231b10e8888abcd99yyyzzz85a5",
        nts_service_key="nts+Service/Key==",
    )
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogRecordFactory()
    try:
        configure_logging(logging.INFO, secrets=settings.secrets())
        log = logging.getLogger("tests.logs.settings")
        log.warning("POST %s/v1.1/appkeys/AppKeyZ9y8X7w6/business", settings.nhn_ocr_base_url)
        log.warning(
            "GET status?serviceKey=%s", quote(settings.nts_service_key.get_secret_value(), safe="")
        )  # type: ignore[union-attr]
        log.error(
            "auth UAKIDabcdef123456:SecretAccess+Key/42== refused; "
            "signing 8f742231b10e8888abcd99yyyzzz85a5"
        )
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
    err = capsys.readouterr().err
    assert err.count("[redacted]") == 5, err
    for secret in settings.secrets():
        assert secret not in err
        assert quote(secret, safe="") not in err


# Every record, whichever handler takes it: configure_logging redacts records as they are made.


@pytest.fixture
def verbose_logging() -> Iterator[Callable[[], str]]:
    """Logging as `ocrbot -v` sets it up, undone afterwards; call to read its output."""
    yield from leaks.verbose_logging(("nhn-app-key-0123",))


RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234567890123/AbCdEf0123456789abcd"


@pytest.mark.parametrize(
    "form",
    [
        RESPONSE_URL,
        RESPONSE_URL.replace("/commands/", "/actions/"),
        "http://127.0.0.1:51234/commands/T0001/7/9f8e7d6c5b4a39281706",  # the fake's
        RESPONSE_URL.replace("/", "\\/"),  # in a JSON body as Slack writes it
        quote(RESPONSE_URL, safe=""),  # in a form body
        quote(quote(RESPONSE_URL, safe=""), safe=""),
        "/commands/T0001/1234567890123/AbCdEf0123456789abcd",  # the path alone
        "https://hooks.slack.com/services/T0001/B0002/XyZ0123456789",  # an incoming webhook
    ],
)
def test_response_urls_never_reach_a_log_at_any_level(
    verbose_logging: Callable[[], str], caplog: pytest.LogCaptureFixture, form: str
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("slack_bolt.tests").debug("Responding to %s", form)
    logging.getLogger("tests.logs").debug("payload=%s&x=1", form)
    output = caplog.text + verbose_logging()
    assert "AbCdEf0123456789abcd" not in output
    assert "9f8e7d6c5b4a39281706" not in output
    assert "XyZ0123456789" not in output
    assert output.count("[redacted]") == 4, output


def test_a_librarys_debug_line_with_an_encoded_file_name_is_masked_for_every_handler(
    verbose_logging: Callable[[], str], caplog: pytest.LogCaptureFixture
) -> None:
    """slack_sdk logs files.info's answer at DEBUG: url_private holds the file name encoded
    (%20 glues "20" onto each group) and the JSON body escapes no-break spaces."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("slack_sdk.web.async_base_client").debug(
        "Received the following response - status: 200, body: %s",
        '{"name": "card\\u00a04556\\u00a00767\\u00a06001\\u00a06584.jpg", "url_private": '
        '"https://files.slack.com/files-pri/T1-F1/card%204556%200767%206001%206584.jpg"}',
    )
    logging.getLogger("tests.logs").debug("app key %s", "nhn-app-key-0123")
    for output in (caplog.text, verbose_logging()):
        assert card_digit_runs(output, "4556076760016584") == [], output
        assert "6584.jpg" in output
        assert "nhn-app-key-0123" not in output


def test_httpx_request_lines_hide_the_nhn_app_key_and_the_nts_service_key() -> None:
    masking = CredentialUrlFilter()
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s"',
        (
            "POST",
            "https://ocr.example/v1.1/appkeys/APP-KEY-1/business",
            "https://nts.example/v1/status?serviceKey=KEY%2B1&x=1",
        ),
        None,
    )
    masking.filter(record)
    line = record.getMessage()
    assert "/appkeys/***/business" in line
    assert "serviceKey=***&x=1" in line
    assert "APP-KEY-1" not in line
    assert "KEY%2B1" not in line


def test_the_url_mask_is_installed_once_however_often_it_is_asked_for() -> None:
    mask_credential_urls()
    mask_credential_urls()
    installed = [
        f for f in logging.getLogger("httpx").filters if isinstance(f, CredentialUrlFilter)
    ]
    assert len(installed) == 1


# LOG_FORMAT=json: one object a line, as redacted as the text format, naming the job and team.


@pytest.fixture
def json_logging() -> Iterator[Callable[[], list[str]]]:
    """Logging as `LOG_FORMAT=json` sets it up, undone afterwards; call for the lines."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogRecordFactory()
    configure_logging(logging.DEBUG, secrets=("nhn-app-key-0123",), json_lines=True)
    stream = io.StringIO()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)  # its stream, stderr, is pytest's, which each phase replaces
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)


def test_json_lines_carry_time_level_logger_message_and_the_job(
    json_logging: Callable[[], list[str]],
) -> None:
    log = logging.getLogger("tests.logs.json")
    log.info("before any job")
    with log_context(team_id="T0001"), log_context(job_id=42):
        log.warning("analysing %s", "scan.png")
        with log_context(job_id=43):
            log.info("a nested job")
        log.info("back in job 42")
    log.info("after the job")

    lines = [json.loads(line) for line in json_logging()]

    assert [line["message"] for line in lines] == [
        "before any job",
        "analysing scan.png",
        "a nested job",
        "back in job 42",
        "after the job",
    ]
    first, job = lines[0], lines[1]
    assert "job_id" not in first
    assert "team_id" not in first
    assert job["level"] == "WARNING"
    assert job["logger"] == "tests.logs.json"
    assert job["time"].endswith("+00:00")
    assert (job["job_id"], job["team_id"]) == (42, "T0001")
    assert (lines[2]["job_id"], lines[3]["job_id"]) == (43, 42)
    assert "job_id" not in lines[4]


def test_json_lines_hold_no_card_number_token_secret_or_response_url(
    json_logging: Callable[[], list[str]],
) -> None:
    log = logging.getLogger("tests.logs.json")
    with log_context(job_id=7, team_id="T0001"):
        log.info("card %s posted with %s", "4556 0767 6001 6584", "xoxb-1234-5678-abcdefgh")
        log.debug("key nhn-app-key-0123 answered %s", RESPONSE_URL)
        try:
            raise ValueError("bad number 4556076760016584 for xoxb-1234-5678-abcdefgh")
        except ValueError:
            log.exception("failed on 4556-0767-6001-6584")

    lines = json_logging()

    assert len(lines) == 3
    parsed = [json.loads(line) for line in lines]  # each line one object, tracebacks too
    assert "ValueError" in parsed[2]["exception"]
    output = "\n".join(lines)
    assert card_number_runs(output, "4556076760016584") == [], output
    assert "6584" in output
    assert "xoxb-1234" not in output
    assert "nhn-app-key-0123" not in output
    assert "AbCdEf0123456789abcd" not in output

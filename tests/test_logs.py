"""The log filter: a second line of defence that masks card numbers and secrets."""

import logging

import pytest

from bot.logs import RedactingFilter, configure_logging, redact
from tests.support.leaks import card_number_runs


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
    saved = root.handlers[:], root.level
    try:
        configure_logging(logging.INFO, secrets=("nhn-secret",))
        logging.getLogger("tests.logs").warning("paid with 5555555555554444, key nhn-secret")
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "4444" in err
    assert card_number_runs(err, "5555555555554444") == []
    assert "nhn-secret" not in err

"""The operator's note: the setting to check and the service's own code."""

import pytest

from bot.cli_messages import operator_note
from bot.errors import (
    AuthenticationFailed,
    BotError,
    EmptyFile,
    FileTooLarge,
    RateLimited,
    Refused,
    Service,
    Timeout,
)
from bot.i18n import Language


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (AuthenticationFailed("x", service=Service.NHN, code=4010001), "NHN 4010001"),
        (AuthenticationFailed("x", service=Service.NHN, code=4010001), "NHN_OCR_APP_KEY"),
        (AuthenticationFailed("x", service=Service.NTS, code="-4"), "NTS_SERVICE_KEY"),
        (Refused("x", service=Service.NHN, code=4041007), "NHN_OCR_BASE_URL"),
        (Timeout("x", service=Service.NHN), "OCR_DEADLINE_S"),
        (RateLimited("x", service=Service.NTS, code="-10"), "STATUS_RATE_PER_S"),
        (FileTooLarge("x", limit_bytes=5_000_000), "5000000"),
    ],
)
@pytest.mark.parametrize("lang", list(Language))
def test_the_note_names_the_setting_and_the_code(
    error: BotError, named: str, lang: Language
) -> None:
    note = operator_note(error)
    assert note is not None
    assert named in note(lang)


def test_no_note_when_no_setting_helps() -> None:
    assert operator_note(EmptyFile("x")) is None
    assert operator_note(Refused("x", service=Service.NTS, code="BAD_JSON_REQUEST")) is None

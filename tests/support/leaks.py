"""Find pieces of a card number where they must never be: output, logs, API calls, rows."""

import io
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.logs import configure_logging
from fakes.nhn import WireExchange
from fakes.slack import FakeSlack

_BACKSLASH_ESCAPE = re.compile(r"\\+(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4}))")
# What Slack and the store write themselves, whose digits may match a card's by chance:
# message timestamps (also in permalinks, without the dot) and stored date-times.
# Numbers the bot and its libraries write that hold digits by chance: Slack timestamps and
# permalinks, times and durations, and the memory addresses Python prints in a repr
# ("at 0x7f3d300165"), which hold any five digits now and then.
_SLACK_AND_STORE_NUMBERS = re.compile(
    r"\b\d{10}\.\d{6}\b|/p\d{16}\b|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?"
    r"|\b0x[0-9a-f]{6,16}\b"
    # Durations SQLAlchemy and the bot's own timing lines print ("in 0.0001658s", "12.5 ms").
    r"|\b\d+\.\d+ ?m?s\b"
)
# Digests and signatures (the replay guard's HMACs, ids in hex): 16 or more hex characters
# with a letter among them, which no card number has, hold five of its digits by chance.
# In a binary file (the SQLite database) a digest may touch other bytes that are letters,
# so a run of 32 or more (an MD5, a SHA) counts without word boundaries too.
_HEX_DIGEST = re.compile(
    r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b|(?<![0-9a-f])(?=[0-9a-f]*[a-f])[0-9a-f]{32,}"
)
# JPEG and PNG start so; either where a multipart part's data starts is an image sent in clear.
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def card_number_runs(text: str, number: str, *, longest_allowed: int = 4) -> list[str]:
    """Runs of more than `longest_allowed` consecutive digits of `number` found in `text`.

    Digits written with spaces or hyphens between them count as consecutive.
    """
    text = _HEX_DIGEST.sub(" ", text)
    found = []
    for start in range(len(number) - longest_allowed):
        run = number[start : start + longest_allowed + 1]
        pattern = r"[ \-]?".join(run)
        if re.search(pattern, text):
            found.append(run)
    return found


def readable(text: str) -> str:
    """`text` as a person would read it: escapes decoded (percent-encoding, however often, and
    JSON's or repr's backslash escapes), full-width forms made ASCII, and every character
    that is neither a letter, a digit nor the mask • dropped, so digits on either side of
    a separator of any kind (spaces, dashes, dots, slashes, brackets...) join up."""
    decoded = ""
    while decoded != text:
        decoded, text = text, unquote(text)
    text = _BACKSLASH_ESCAPE.sub(lambda match: chr(int(match[1] or match[2], 16)), text)
    text = unicodedata.normalize("NFKC", text)
    text = _SLACK_AND_STORE_NUMBERS.sub(" ", text)
    text = _HEX_DIGEST.sub(" ", text)
    return "".join(char for char in text if char.isalnum() or char == "•")


def card_digit_runs(text: str, number: str) -> list[str]:
    """Runs of five digits of `number` (so at least one beyond its last four) that a reader
    finds in `text` however they are written or encoded (see `readable`), each with what
    surrounds it as read."""
    shown = readable(text)
    runs = {number[start : start + 5] for start in range(len(number) - 4)}
    found = [(shown.find(run), run) for run in runs if run in shown]
    return [f"{run} in …{shown[max(0, at - 30) : at + 35]}…" for at, run in sorted(found)]


def test_runs_are_found_across_separators() -> None:
    assert card_number_runs("paid 4012 8888 8888 1881", "4012888888881881")
    assert card_number_runs("ends 1881, brand visa", "4012888888881881") == []


def slack_exits(fake: FakeSlack) -> dict[str, str]:
    """All the bot sent to the fake Slack, by where: the parameters of every Web API call,
    every response_url body, and every uploaded file (name, title, comment and content;
    binary content, such as the redacted photo, as Latin-1 so any ASCII digits show).

    The bot's GETs of a file's url_private are left out: that URL is Slack's own."""
    exits = {
        f"call {index} {call.method}": json.dumps(call.params, ensure_ascii=False)
        for index, call in enumerate(fake.calls)
    }
    for url, bodies in fake.all_responses().items():
        for index, body in enumerate(bodies):
            exits[f"response {index} to {url}"] = json.dumps(body, ensure_ascii=False)
    for upload in fake.uploads:
        try:
            content = upload.content.decode("utf-8")
        except UnicodeDecodeError:
            content = upload.content.decode("latin-1")
        exits[f"upload {upload.file_id}"] = "\n".join(
            (upload.filename, upload.title, upload.initial_comment or "", content)
        )
    return exits


def database_bytes(database: Path) -> str:
    """Every byte of a SQLite database (its WAL and journal too), as text a reader sees."""
    files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-journal"))]
    return "\n".join(
        path.read_bytes().decode("utf-8", errors="replace") for path in files if path.exists()
    )


def verbose_logging(secrets: tuple[str, ...]) -> Iterator[Callable[[], str]]:
    """Logging as `ocrbot run -v` sets it up (root at DEBUG, records redacted as they are
    made), undone afterwards; yields a reader of what its handler wrote (to a StringIO: pytest
    swaps stderr between phases). For fixtures: `yield from verbose_logging(...)`."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "hpack", "PIL")}
    configure_logging(logging.DEBUG, secrets=secrets)
    stream = io.StringIO()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream.getvalue
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
        for name, saved_level in levels.items():
            logging.getLogger(name).setLevel(saved_level)


def records_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record pytest captured while the bot started and ran, with its traceback."""
    records = [r for phase in ("setup", "call") for r in caplog.get_records(phase)]
    return "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in records)


def plaintext_on_the_wire(
    exchanges: list[WireExchange], images: list[bytes], number: str
) -> list[str]:
    """What of `images` or the card `number` shows in the raw bytes of `exchanges`, either
    way: the images whole or in part, an image signature where a part's data starts (the
    PNG one anywhere), any run of five of the number's digits."""
    found = []
    for exchange in exchanges:
        sent = exchange.request_body
        for image in images:
            middle = len(image) // 2
            if any(
                piece in sent
                for piece in (image, image[:64], image[middle : middle + 64], image[-64:])
            ):
                found.append(f"{exchange.path}: image bytes in the request")
        if b"\r\n\r\n" + _IMAGE_SIGNATURES[0] in sent or _IMAGE_SIGNATURES[1] in sent:
            found.append(f"{exchange.path}: an image signature in the request")
        for direction, body in (("request", sent), ("answer", exchange.response_body)):
            runs = card_number_runs(body.decode("latin-1"), number)
            found += [f"{exchange.path}: {run} in the {direction}" for run in runs]
    return found

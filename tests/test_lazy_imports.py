"""A process loads what a request may never need only when one first does: every process
would otherwise pay for it in start-up time and memory."""

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[1]
# What each costs a process that never uses it (RSS, measured): alembic with its DDL
# machinery 38 MB, libheif 10 MB, PDFium 9 MB, cryptography 8 MB.
DEFERRED = ("alembic", "pillow_heif", "pypdfium2", "cryptography")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {DEFERRED!r} if m in sys.modules))"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_importing_the_whole_bot_loads_none_of_them() -> None:
    assert _loaded_after("import bot.cli, bot.runtime, bot.app, handlers") == set()


@pytest.mark.parametrize(
    ("code", "loaded"),
    [
        (
            "from bot.ocr.preflight import prepare; from bot.ocr import DocumentKind\n"
            "from tests.ocr.images import encode, marked\n"
            "prepare(encode(marked(), 'JPEG'), 'a.jpg', DocumentKind.BUSINESS, 1 << 20)",
            set(),
        ),
        (
            "from bot.ocr.preflight import prepare; from bot.ocr import DocumentKind\n"
            "from tests.ocr.images import MINIMAL_PDF\n"
            "prepare(MINIMAL_PDF, 'a.pdf', DocumentKind.BUSINESS, 1 << 20)",
            {"pypdfium2"},
        ),
    ],
)
def test_the_first_file_of_a_kind_loads_only_what_it_needs(code: str, loaded: set[str]) -> None:
    assert _loaded_after(code) == loaded

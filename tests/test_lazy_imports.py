"""A process loads what a request may never need only when one first does: every process
would otherwise pay for it in start-up time and memory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import upgrade
from fakes.nhn import PUBLIC_KEY, NhnFake
from fakes.slack import FakeSlack
from tests.test_startup import env

REPOSITORY = Path(__file__).parents[1]
# What each costs a process that never uses it (RSS, measured): alembic with its DDL
# machinery 38 MB, libheif 10 MB, PDFium 9 MB, cryptography 8 MB; and httpx's command-line
# tool (click, rich, pygments: 5 MB), which the bot never uses at all; SQLAlchemy's
# PostgreSQL dialect (2 MB) and its asyncio extension with the ORM that loads (6.4 MB,
# some 70 ms), which a bot on SQLite never uses; aiosqlite, which the store no longer uses.
DEFERRED = (
    "alembic",
    "pillow_heif",
    "pypdfium2",
    "cryptography",
    "click",
    "rich",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.orm",
    "aiosqlite",
)


def _loaded_after(code: str, environment: dict[str, str] | None = None) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {DEFERRED!r} if m in sys.modules))"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=REPOSITORY,
        env=None if environment is None else {**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_importing_the_whole_bot_loads_none_of_them() -> None:
    assert _loaded_after("import bot.cli, bot.runtime, bot.app, handlers") == set()


def test_the_start_up_checks_load_none_of_them(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    """NHN's card key proves the app key at start without being read as a key: the
    checks themselves never need cryptography."""
    checks = (
        "import asyncio\nfrom bot.config import load_settings\n"
        "from bot.startup import check_startup\n"
        "asyncio.run(check_startup(load_settings(), http=True))"
    )

    assert _loaded_after(checks, env(fake_slack, fake_nhn, tmp_path)) == set()
    assert fake_nhn.calls(PUBLIC_KEY) == 1


async def test_a_sqlite_bot_starts_its_services_without_them(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    """What `ocrbot run` opens after the checks: the store on a current schema (Alembic is
    loaded only for one behind), a transaction on it, every service; then it stops."""
    environment = env(fake_slack, fake_nhn, tmp_path)
    await upgrade(environment["DATABASE_URL"])
    start = (
        "import asyncio\nfrom datetime import UTC, datetime\n"
        "from bot.config import load_settings\nfrom bot.services.container import Services\n"
        "async def main():\n"
        "    services = await Services.start(load_settings())\n"
        "    await services.store.job_backlog(now=datetime.now(UTC))\n"
        "    await services.aclose()\n"
        "asyncio.run(main())"
    )

    assert _loaded_after(start, environment) == set()


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

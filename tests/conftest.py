"""Fixtures shared by every test package live in tests/support and are registered here."""

from pathlib import Path

import pytest

from bot.logs import mask_credential_urls

pytest_plugins = [
    "tests.support.fake_servers",
    "tests.support.databases",
]


@pytest.fixture(autouse=True, scope="session")
def _data_dir_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The default SQLite file of every setting and process the tests make lives in a
    folder of the test run, never in the developer's own data folder."""
    folder: Path = tmp_path_factory.mktemp("xdg-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        yield


@pytest.fixture(autouse=True, scope="session")
def _credential_urls_masked() -> None:
    """As the bot's logging set-up does at start: httpx's request lines hide NHN's app key
    and NTS's service key."""
    mask_credential_urls()

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.nts import NtsClient
from fakes.nts import NtsFake

MakeClient = Callable[..., NtsClient]


def nts_settings(fake: NtsFake, **overrides: Any) -> Settings:
    values: dict[str, Any] = {**fake.overrides(), **overrides}
    return Settings(_env_file=None, **values)


@pytest.fixture
async def make_client(fake_nts: NtsFake) -> AsyncIterator[MakeClient]:
    """NtsClients for the fake, closed at teardown; no backoff delay."""
    clients: list[NtsClient] = []

    def make(**overrides: Any) -> NtsClient:
        client = NtsClient(nts_settings(fake_nts, **overrides), backoff_base_s=0.0)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()

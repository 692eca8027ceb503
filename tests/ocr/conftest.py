from collections.abc import AsyncIterator, Callable

import pytest

from bot.ocr import OcrClient
from fakes.nhn import NhnFake

MakeClient = Callable[..., OcrClient]


@pytest.fixture
async def make_client(fake_nhn: NhnFake) -> AsyncIterator[MakeClient]:
    """OcrClients for the fake, closed at teardown; no backoff unless a test asks for it."""
    clients: list[OcrClient] = []

    def make(
        version: str = "v1.1", *, backoff_base_s: float = 0.0, **settings: object
    ) -> OcrClient:
        client = OcrClient(fake_nhn.settings(version, **settings), backoff_base_s=backoff_base_s)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()

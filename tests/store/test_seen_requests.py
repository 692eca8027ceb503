"""Signatures of requests taken in, against replays, on both databases."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.store import Store
from bot.store.tables import seen_requests
from tests.store.jobs import T0

SIGNATURE = "a" * 64
OTHER = "b" * 64


async def test_a_signature_is_new_once(store: Store) -> None:
    seen = store.seen_requests

    assert await seen.remember(SIGNATURE, expires_at=T0) is True
    assert await seen.remember(SIGNATURE, expires_at=T0 + timedelta(minutes=5)) is False
    assert await seen.remember(OTHER, expires_at=T0) is True


async def test_only_expired_signatures_are_forgotten(store: Store) -> None:
    seen = store.seen_requests
    await seen.remember(SIGNATURE, expires_at=T0)
    await seen.remember(OTHER, expires_at=T0 + timedelta(seconds=1))

    assert await seen.forget_expired(now=T0 + timedelta(microseconds=1)) == 1

    assert await seen.remember(SIGNATURE, expires_at=T0 + timedelta(minutes=6)) is True
    assert await seen.remember(OTHER, expires_at=T0 + timedelta(minutes=6)) is False


@pytest.mark.parametrize("signature", ["v0=" + "a" * 64, "A" * 64, "a" * 63, "' OR 1=1 --"])
async def test_only_hex_signatures_are_kept(store: Store, signature: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await store.seen_requests.remember(signature, expires_at=T0)
    count = await store._database.transaction(
        lambda connection: connection.scalar(sa.select(sa.func.count()).select_from(seen_requests))
    )
    assert count == 0

"""Valid business registration numbers, as many as a test needs."""

from bot.domain import bizno


def valid_business_numbers(count: int, *, first: int = 104_000_000, step: int = 7_919) -> list[str]:
    """`count` distinct ten-digit numbers whose check digit holds, one per nine-digit serial
    from `first` on, `step` apart."""
    serials = (f"{first + index * step:09d}" for index in range(count))
    return [next(s + d for d in "0123456789" if bizno.checksum_ok(s + d)) for s in serials]

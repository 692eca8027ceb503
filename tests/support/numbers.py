"""Valid business registration numbers, as many as a test needs."""

from itertools import count as counting

from bot.domain import bizno


def valid_business_numbers(count: int, *, first: int = 104_000_000, step: int = 7_919) -> list[str]:
    """`count` distinct ten-digit numbers whose check digit holds, one per nine-digit serial
    from `first` on, `step` apart, skipping the serials no tax office issues (kind 00,
    serial 0000)."""
    numbers: list[str] = []
    for index in counting():
        if len(numbers) == count:
            return numbers
        serial = f"{first + index * step:09d}"
        number = next(serial + d for d in "0123456789" if bizno.checksum_ok(serial + d))
        if bizno.is_valid(number):
            numbers.append(number)
    raise AssertionError("unreachable")

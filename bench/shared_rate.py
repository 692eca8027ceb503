"""Scenario 6: two bot processes on one PostgreSQL database share one NHN status budget.

`STATUS_RATE_PER_S` holds for the installation: each process takes its turn from a bucket
in the database, so two processes together stay under the rate one alone would keep,
where two per-process limiters would send twice as much.
"""

import asyncio
import secrets
from pathlib import Path

from bench.harness import BenchSettings, until
from bench.scenarios import Section
from bot.domain import bizno
from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import STATUS, NhnFake
from fakes.slack import FakeSlack
from tests.support.databases import fresh_postgres_schema
from tests.support.numbers import valid_business_numbers

RATE_PER_S = 5.0
WINDOW_S = 1.0


def busiest_window(times: list[float], window_s: float = WINDOW_S) -> int:
    """The most calls made within any `window_s` (a sliding window over the call times).

    >>> busiest_window([0.0, 0.1, 0.5, 1.05, 1.2, 3.0])
    3
    """
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most


async def shared_rate(settings: BenchSettings, workdir: Path, *, commands: int = 60) -> Section:
    section = Section(f"6. Two processes, one NHN status budget ({commands} lookups)")
    secret = secrets.token_hex(16)
    nhn, slack = NhnFake().start(), FakeSlack()
    slack.start()
    numbers = valid_business_numbers(commands, first=206_000_000)
    try:
        async with fresh_postgres_schema() as database_url:
            env = {
                **fakes_env(slack, nhn, database_url, secret),
                "STATUS_RATE_PER_S": str(RATE_PER_S),
            }
            with (
                BotProcess(env, workdir / "6-first.log") as first,
                BotProcess(env, workdir / "6-second.log") as second,
            ):
                async with (
                    first.sender(slack, secret) as to_first,
                    second.sender(slack, secret) as to_second,
                ):
                    urls = [slack.response_url() for _ in numbers]
                    paid_before = len(nhn.requests_to(STATUS))
                    await asyncio.gather(
                        *(
                            (to_first if index % 2 else to_second).command(
                                bizno.format(number), response_url=url
                            )
                            for index, (number, url) in enumerate(zip(numbers, urls, strict=True))
                        )
                    )
                    await until(
                        lambda: all(slack.responses(url) for url in urls),
                        timeout_s=30 + commands / RATE_PER_S * 2,
                        what="an answer to every command",
                    )
    finally:
        slack.stop()
        nhn.stop()
    times = [request.at for request in nhn.requests_to(STATUS)[paid_before:]]
    most = busiest_window(times)
    span = max(times) - min(times) if times else 0.0
    section.add("status calls to NHN", f"{len(times)} for {commands} numbers")
    # Calls spaced evenly at the rate put rate + 1 of them within a window a hair under
    # one second (both ends included); two per-process limiters would put about twice that.
    allowed = int(RATE_PER_S * WINDOW_S) + 1
    section.add(
        f"most calls within any {WINDOW_S:g} s, both processes together",
        str(most),
        f"≤ {allowed} (STATUS_RATE_PER_S={RATE_PER_S:g}, evenly spaced)",
        most <= allowed,
    )
    section.add(
        "calls per second over the run",
        f"{(len(times) - 1) / span:.2f}" if span else "-",
        f"two per-process limiters would allow {2 * RATE_PER_S:g}",
    )
    section.notes.append(
        "Each command is sent to one of two `ocrbot run --http` processes in turn, all at once; "
        "both share one PostgreSQL schema, whose rate_slots table spaces the calls."
    )
    return section

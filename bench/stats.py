"""The arithmetic of the benchmark: percentiles and the ideal time of an upload burst."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of values at or below.

    >>> percentile([5, 1, 4, 2, 3], 50)
    3
    >>> percentile(range(1, 201), 99)
    198
    """
    if not values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Latencies:
    """p50, p99 and max of a set of durations, in milliseconds."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Latencies":
        ms = [s * 1000 for s in seconds]
        return cls(percentile(ms, 50), percentile(ms, 99), max(ms), len(ms))


def ideal_burst_seconds(
    *,
    reads: int,
    status_calls: int,
    ocr_concurrency: int,
    ocr_latency_s: float,
    status_rate_per_s: float,
    slack_latency_s: float,
) -> float:
    """The least time a burst of certificate uploads can take, first event to last reply.

    Every NHN call (a read, then a status lookup for a number not cached) takes
    `ocr_latency_s` and holds one of `ocr_concurrency` slots, so the calls take at least
    ceil(calls / concurrency) rounds, and no fewer than one upload's own chain of
    calls. Status lookups are also spaced by STATUS_RATE_PER_S. Before the first NHN
    call the file must be downloaded, and after the last the reply posted: two Slack
    round trips no upload can skip.

    >>> ideal_burst_seconds(reads=200, status_calls=200, ocr_concurrency=8,
    ...     ocr_latency_s=0.7, status_rate_per_s=20, slack_latency_s=0.05)
    35.1
    """
    calls = reads + status_calls
    chain = 1 + (1 if status_calls else 0)  # one upload: a read, then its lookup
    rounds = max(math.ceil(calls / ocr_concurrency), chain)
    nhn_bound = rounds * ocr_latency_s
    rate_bound = (status_calls - 1) / status_rate_per_s + ocr_latency_s if status_calls else 0.0
    return round(max(nhn_bound, rate_bound) + 2 * slack_latency_s, 3)


def efficiency(ideal_s: float, measured_s: float) -> float:
    """ideal / measured: 1.0 when nothing but the fakes' latencies and the concurrency limit
    stood in the way."""
    if measured_s <= 0:
        raise ValueError("the measured time must be positive")
    return ideal_s / measured_s

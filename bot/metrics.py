"""Every Prometheus series the bot exports, and the one-line calls that feed them.

Bottom layer: it imports nothing of the bot, so the OCR and NTS clients, the Slack client
and the services can each record what they alone know. Labels stay bounded (kinds,
outcomes, endpoints, NHN/NTS result codes, Slack methods and error codes): never a team,
channel, user or file id. Each process counts its own; see README.md, 'Metrics and logs'.
"""

from datetime import datetime, timedelta

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# From a quick card read to a multi-page PDF after retries and a slow NHN.
_SECONDS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 300)

UPLOADS = Counter(
    "ocrbot_uploads_total",
    "Upload jobs settled, by kind (business, card, bulk) and outcome",
    ["kind", "outcome"],
)
UPLOAD_TO_ANSWER = Histogram(
    "ocrbot_upload_to_answer_seconds",
    "From the upload being recorded to its answer (or failure notice) being posted",
    ["kind"],
    buckets=_SECONDS,
)
API_CALLS = Counter(
    "ocrbot_api_calls_total",
    "HTTP calls to NHN Cloud OCR and the NTS, each attempt, by endpoint and result: NHN's "
    "result code (0: success; transport: no answer), the NTS's (ok, its error code, or the "
    "transport error)",
    ["service", "endpoint", "result"],
)
API_CALL_SECONDS = Histogram(
    "ocrbot_api_call_seconds",
    "Duration of one HTTP call to NHN Cloud OCR or the NTS",
    ["service", "endpoint"],
    buckets=_SECONDS,
)
STATUS_LOOKUPS = Counter(
    "ocrbot_status_lookups_total",
    "Business numbers looked up, by provider and source: 'cache' answered from the store "
    "without a call, 'provider' asked (NHN charges for each)",
    ["provider", "source"],
)
SLACK_API_ERRORS = Counter(
    "ocrbot_slack_api_errors_total",
    "Slack Web API calls that failed after the client's retries, by method and error",
    ["method", "error"],
)
JOB_BACKLOG = Gauge(
    "ocrbot_job_backlog",
    "Upload jobs any process could start now (due, or left by a dead process), at scrape time",
)
OLDEST_WAITING_JOB = Gauge(
    "ocrbot_oldest_waiting_job_seconds",
    "Age of the oldest of those jobs since its upload (0 when none), at scrape time",
)


def upload_settled(kind: str | None, outcome: str, waited: timedelta | None = None) -> None:
    """An upload job ended its run with `outcome`; `waited` is upload-to-answer when the
    uploader was answered (the result, or the news that it failed)."""
    UPLOADS.labels(kind or "unknown", outcome).inc()
    if waited is not None:
        UPLOAD_TO_ANSWER.labels(kind or "unknown").observe(waited.total_seconds())


def api_call(service: str, endpoint: str, result: object, seconds: float) -> None:
    """One HTTP attempt to `service` (nhn, nts); `result` is its result code, or None when
    no answer came (a timeout, a refused connection)."""
    API_CALLS.labels(service, endpoint, "transport" if result is None else str(result)).inc()
    API_CALL_SECONDS.labels(service, endpoint).observe(seconds)


def status_lookups(provider: str, *, cached: int, asked: int) -> None:
    STATUS_LOOKUPS.labels(provider, "cache").inc(cached)
    STATUS_LOOKUPS.labels(provider, "provider").inc(asked)


def slack_api_error(method: str, error: str) -> None:
    SLACK_API_ERRORS.labels(method, error).inc()


def job_backlog(count: int, oldest: datetime | None, *, now: datetime) -> None:
    """The backlog as the store has it now: how many jobs, and since when the oldest."""
    JOB_BACKLOG.set(count)
    OLDEST_WAITING_JOB.set(0 if oldest is None else max((now - oldest).total_seconds(), 0))


def backlog_unknown() -> None:
    """The store could not be read: NaN, not a stale count that looks fine."""
    JOB_BACKLOG.set(float("nan"))
    OLDEST_WAITING_JOB.set(float("nan"))


def exposition() -> tuple[bytes, str]:
    """The text /metrics serves (this process's series, and its CPU and memory), with
    its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

"""The upload job and the team whose work is under way, for log lines to name them.

asyncio copies the context into the tasks it starts, so the lines of everything a job
awaits carry them. Low in the layers, so that services can set it and logging read it.
"""

import contextlib
import contextvars
from collections.abc import Iterator

_job_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("job_id", default=None)
_team_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("team_id", default=None)


@contextlib.contextmanager
def log_context(*, job_id: int | None = None, team_id: str | None = None) -> Iterator[None]:
    """Lines logged within name this job and team (JSON format), to follow one upload
    through processes and retries. Unset values keep what an outer context set.

    >>> with log_context(job_id=7, team_id="T1"):
    ...     with log_context(job_id=8):
    ...         current()
    {'job_id': 8, 'team_id': 'T1'}
    >>> current()
    {}
    """
    job_token = _job_id.set(job_id if job_id is not None else _job_id.get())
    team_token = _team_id.set(team_id if team_id is not None else _team_id.get())
    try:
        yield
    finally:
        _team_id.reset(team_token)
        _job_id.reset(job_token)


def name_team_for_this_request(team_id: str | None) -> None:
    """Lines logged for the rest of this task, and by the tasks it starts, name `team_id`.

    For a Slack request: aiohttp and Socket Mode each handle one in a task of its own, and
    Bolt runs the listeners after its middleware has returned, so a `with` would end early.
    """
    _team_id.set(team_id)


def current() -> dict[str, int | str]:
    """The job and team set here, those that are."""
    values: dict[str, int | str] = {}
    if (job_id := _job_id.get()) is not None:
        values["job_id"] = job_id
    if (team_id := _team_id.get()) is not None:
        values["team_id"] = team_id
    return values

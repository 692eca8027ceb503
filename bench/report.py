"""The results as a Markdown report: the figures against their targets, the machine, the
versions, the settings, how each figure is measured, and what the measurements led to."""

import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.harness import BenchSettings
from bench.procfs import PROC
from bench.scenarios import Section
from bot.config import MB, Settings

FINDINGS = Path(__file__).with_name("findings.md")
PACKAGES = (
    "slack-bolt",
    "slack-sdk",
    "httpx",
    "aiohttp",
    "pillow",
    "sqlalchemy",
    "pydantic",
)

METHOD = """\
## How the figures are measured

- **Set-up.** The fake Slack and the fake NHN run in the benchmark's process (from
  `fakes/`), the bot as its own process (`ocrbot run --http`, SQLite in a temporary
  directory), each scenario with fresh fakes, a fresh bot and a fresh database. Every
  request the bot gets is signed as Slack signs it. Before each scenario the bot gets one
  plain message, as a running bot has had (Bolt checks its token once, on the first request).
- **Baseline.** Each scenario runs a second time, with fresh fakes, against
  `bench/naive_bot.py`: what a team would write from Bolt's samples (a synchronous `App` on
  Bolt's development server, its default five-thread executor, blocking HTTP, a full-size
  preflight where a photo must be turned or shrunk, no store, no deduplication). Ratios
  to it are measured in the same run, on the same machine.
- **Pillow's floor** (scenario 2): the CPU time, in the benchmark's own process, of
  decoding each photo of the mix at half scale in JPEG draft mode and encoding it again;
  the least a 12 MP photo costs whatever the bot does around it.
- **Spawn to ready**: from starting the process until it first answers HTTP (`/health` for
  the bot, which serves nothing before its start-up checks pass; any answer for the
  baseline, whose server has no health page), polled every 20 ms, the bot on a database
  migrated beforehand as a release step would. **Idle memory**:
  its VmRSS after one warm-up message, before the scenario's traffic.
- **Acknowledgement latency**: from sending a request to the bot's HTTP answer, timed by the
  sender. It includes the sender's own time on a machine shared with the bot and both
  fakes, so it is an upper bound.
- **Time until the last reply**: from sending the first event until the fake Slack has the
  reply (`chat.postMessage` in the upload's thread) to the last upload, polled every 20 ms.
- **Ideal time** (scenario 1): every NHN call (the read, then the status lookup of a number
  not cached) takes the fake's latency *L* and holds one of `OCR_CONCURRENCY` = *C*
  slots; lookups are also spaced by `STATUS_RATE_PER_S` = *R*; each upload's file must be
  downloaded before its read and its reply posted after its lookup, one Slack latency *S*
  each:

  ideal = max(max(⌈(reads + lookups) / C⌉, 2) × L, (lookups − 1) / R + L) + 2 × S

  STATUS_RATE_PER_S is set above what C and L allow (C / L = 11.4 calls a second), so the
  ideal is set by `OCR_CONCURRENCY` and the latencies, as the issue asks. Efficiency is
  ideal / measured.
- **CPU per photo**: the bot logs, per image, the CPU time its worker thread spent on it
  (`time.thread_time()`, stages `open`, `check`, `decode`, `orient`, `shrink`, `encode`);
  the benchmark reads those lines from the bot's output. The whole process's CPU time
  (from `/proc/<pid>/stat`) divided by the photos is shown beside it: that also holds the
  download, HTTP, the database, the Slack calls and the card redaction.
- **Peak memory**: `VmHWM` of the bot process from `/proc/<pid>/status`, in a fresh process
  per run, with all of the photos and then twice as many arriving within one second, so
  that in the second run many more wait for a job slot.
- **Paid calls**: the fake NHN's `business/status` requests during the burst, after the
  cached numbers were looked up once.
- **Pixel-heavy PNG** (scenario 5): `VmHWM` of a fresh bot process that gets one upload of
  a 300 KB PNG declaring 8900x8900 RGBA pixels, then of another fresh process that gets six
  at once; "answered" counts replies that are not failures (the bot's ⚠️ reaction).
"""


def render(
    sections: Sequence[Section],
    settings: BenchSettings,
    *,
    started: datetime,
    elapsed_s: float,
    command: str,
) -> str:
    met = [f.met for s in sections for f in s.figures if f.met is not None]
    summary = (
        f"**All {len(met)} targets met.**"
        if all(met)
        else f"**{met.count(False)} of {len(met)} targets missed.**"
    )
    parts = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {started:%Y-%m-%d %H:%M} UTC, at commit {_commit()}; "
        f"all scenarios took {elapsed_s / 60:.1f} minutes. {summary}",
        "",
        *_tables(sections),
        "## Machine and versions",
        "",
        *_machine(),
        "",
        "## Settings",
        "",
        *_settings(settings),
        "",
        METHOD,
    ]
    if FINDINGS.exists():
        parts.append(FINDINGS.read_text())
    return "\n".join(parts).rstrip() + "\n"


def all_met(sections: Sequence[Section]) -> bool:
    return all(f.met is not False for s in sections for f in s.figures)


def _tables(sections: Sequence[Section]) -> list[str]:
    lines = []
    for section in sections:
        lines += [
            f"### {section.title}",
            "",
            "| Figure | Measured | Target | |",
            "|---|---|---|---|",
        ]
        for figure in section.figures:
            verdict = {True: "met", False: "**missed**", None: ""}[figure.met]
            lines.append(f"| {figure.label} | {figure.value} | {figure.target} | {verdict} |")
        lines += ["", *section.notes]
    return lines


def _machine() -> list[str]:
    memory_kb = next(
        int(line.split()[1])
        for line in (PROC / "meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    model = next(
        (
            line.partition(":")[2].strip()
            for line in (PROC / "cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return [
        f"- {os.cpu_count()} cores ({model}), {memory_kb / 2**20:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {versions}",
    ]


def _settings(settings: BenchSettings) -> list[str]:
    bot = Settings(_env_file=None, **{k.lower(): v for k, v in settings.env().items()})  # type: ignore[arg-type]
    return [
        f"- Fake latencies: NHN {settings.ocr_latency_s * 1000:.0f} ms per OCR or status "
        f"call, Slack {settings.slack_latency_s * 1000:.0f} ms per request (API, download, "
        "upload, response_url)",
        f"- Bot: OCR_CONCURRENCY={bot.ocr_concurrency}, JOB_CONCURRENCY={bot.job_concurrency}, "
        f"STATUS_RATE_PER_S={bot.status_rate_per_s:g}, "
        f"OCR_MAX_UPLOAD_BYTES={bot.ocr_max_upload_bytes} "
        f"({bot.ocr_max_upload_bytes / MB:g} MB), "
        f"FILE_SHARED_GRACE_S={bot.file_shared_grace_s:g}, "
        f"STATUS_CACHE_TTL={bot.status_cache_ttl}; everything else at its default",
    ]


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "bot", "handlers", "bench")
    return f"`{commit}`" + (
        " with uncommitted changes to the bot or the benchmark" if dirty else ""
    )


def now() -> datetime:
    return datetime.now(UTC)

"""CPU time and peak memory of another process, read from Linux's /proc."""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_s: float  # user + system time so far
    peak_rss_bytes: int  # VmHWM: the most resident memory the process ever had
    rss_bytes: int  # VmRSS: resident memory now


def usage(pid: int) -> Usage:
    # The command name in field 2 may hold spaces: count fields from its closing ")".
    fields = (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    status = _status(pid)
    return Usage(
        cpu_s=(utime + stime) / _TICKS_PER_S,
        peak_rss_bytes=status["VmHWM"],
        rss_bytes=status["VmRSS"],
    )


def _status(pid: int) -> dict[str, int]:
    """The kB lines of /proc/<pid>/status, in bytes."""
    values = {}
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            values[name] = int(parts[0]) * 1024
    return values

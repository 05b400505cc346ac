"""Small helpers shared by the benchmarks: tables, memory, and how busy the rest of the machine was."""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out = [" | ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def peak_rss_mib() -> float:
    """Peak resident set of this process (getrusage: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mib(pid: int | str = "self", key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def proc_cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of a process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


class CpuMonitor:
    """How many cores this benchmark used, and how many everything else on the machine used, over a span.

    ``pids`` are the processes that belong to the measurement (default: this process only).
    """

    def __init__(self, pids: Sequence[int | str] = ("self",)) -> None:
        self.pids = list(pids)
        self.start()

    def _own(self) -> float:
        return sum(proc_cpu_seconds(p) for p in self.pids)

    def start(self) -> None:
        import time

        self._t = time.perf_counter()
        self._busy = _machine_busy_seconds()
        self._own0 = self._own()

    def stop(self) -> tuple[float, float]:
        """(cores used by us, cores used by the rest of the machine), averaged over the span."""
        import time

        wall = max(1e-9, time.perf_counter() - self._t)
        own = self._own() - self._own0
        busy = _machine_busy_seconds() - self._busy
        return own / wall, max(0.0, busy - own) / wall

    def describe(self) -> str:
        own, other = self.stop()
        return f"cores used: benchmark {own:.2f}, other processes {other:.2f} (of {os.cpu_count()})"

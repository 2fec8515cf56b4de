"""CPU time and RSS (peak and current) of a process tree, from /proc."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: split after its closing parenthesis
    return text[text.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """The root and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each live process, in seconds."""
    result: dict[int, float] = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:  # fields[11], [12] are utime, stime (stat fields 14, 15)
            result[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return result


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def peak_rss_kib(pids: list[int]) -> int:
    """The largest VmHWM among the processes."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak


def cmdline(pid: int) -> str:
    """The process's command line, NULs as spaces ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def rss_kib(pids: list[int]) -> int:
    """The summed VmRSS of the live processes (their resident memory right now)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def state(pid: int) -> str | None:
    """The process's state letter (R running or runnable, S sleeping, ...), None once gone."""
    fields = _stat_fields(pid)
    return fields[0] if fields is not None else None

"""CPU used each second by gunicorn, PostgreSQL, the benchmark's own processes and the rest of the machine.

``python benchmarks/cpu_sampler.py [--seconds N] > cpu.log`` beside ``run.py``: one line a second, the
cores each group used in that second (from /proc/<pid>/stat), the share of the machine left idle and the
share waiting for the disk. Lines up with ``run.py``'s progress by wall-clock time. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import process_cpu  # noqa: E402  (benchmarks/load.py: one process's CPU from /proc)

GROUPS = ("gunicorn", "postgres", "bench", "other")


def group_of(command: str) -> str:
    if "gunicorn" in command:
        return "gunicorn"
    if command.startswith("postgres") or "postgres:" in command:
        return "postgres"
    if "benchmarks/" in command:
        return "bench"
    return "other"


def cpu_by_group() -> dict[str, float]:
    """CPU seconds used so far by the live processes of each group."""
    used = dict.fromkeys(GROUPS, 0.0)
    own = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if pid == own:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        used[group_of(command)] += process_cpu(pid)
    return used


def machine() -> tuple[int, int, int]:
    """Jiffies idle, waiting for the disk, and in all, since boot."""
    with open("/proc/stat") as f:
        values = list(map(int, f.readline().split()[1:]))
    return values[3], values[4], sum(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600.0)
    args = parser.parse_args()
    before, jiffies = cpu_by_group(), machine()
    start = time.time()
    while time.time() - start < args.seconds:
        time.sleep(1)
        now, now_jiffies = cpu_by_group(), machine()
        total = (now_jiffies[2] - jiffies[2]) or 1
        cores = " ".join(f"{g}={max(0.0, now[g] - before[g]):.2f}" for g in GROUPS)
        print(f"{time.strftime('%H:%M:%S')} {cores} idle={100 * (now_jiffies[0] - jiffies[0]) / total:.0f}% "
              f"iowait={100 * (now_jiffies[1] - jiffies[1]) / total:.0f}%", flush=True)
        before, jiffies = now, now_jiffies


if __name__ == "__main__":
    main()

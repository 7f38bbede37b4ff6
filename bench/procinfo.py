"""Memory of a process tree, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_pids(pid: int) -> list[int]:
    """pid and all its descendants."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def _kib_field(path: str, name: str) -> int:
    """A 'Name:  123 kB' field of a /proc file, in bytes; 0 when the process is gone."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_bytes(pid: int) -> int:
    """Resident memory of one process."""
    return _kib_field(f"/proc/{pid}/status", "VmRSS:")


def pss_bytes(pid: int) -> int:
    """Proportional set size: resident memory with pages shared between processes divided among them."""
    return _kib_field(f"/proc/{pid}/smaps_rollup", "Pss:")


def tree_pss_bytes(pid: int) -> int:
    """Memory of a process tree without counting shared pages twice (gunicorn workers share the master's)."""
    return sum(pss_bytes(p) for p in tree_pids(pid)) if os.path.exists(f"/proc/{pid}") else 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants (gunicorn's master and workers, node and its helpers)."""
    return sum(rss_bytes(p) for p in tree_pids(pid)) if os.path.exists(f"/proc/{pid}") else 0

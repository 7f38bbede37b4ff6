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


def rss_bytes(pid: int) -> int:
    """Resident memory of one process, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size: resident memory with pages shared between processes divided among them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss_bytes(pid: int) -> int:
    """Memory of a process tree without counting shared pages twice (gunicorn workers share the master's)."""
    return sum(pss_bytes(p) for p in tree_pids(pid)) if os.path.exists(f"/proc/{pid}") else 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants (gunicorn's master and workers, node and its helpers)."""
    return sum(rss_bytes(p) for p in tree_pids(pid)) if os.path.exists(f"/proc/{pid}") else 0

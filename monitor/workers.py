"""Who holds a lease: ``HOST:PID``, and whether that process still runs.

A claim (a feed's lease) names its owner so that another poll can tell a live worker from
a dead one: a claim whose owner is a process on this host that no longer runs is free at
once (issue 14, item 5: after a SIGKILL its feeds stayed claimed for a whole lease).
Owners on other hosts cannot be checked; their leases run out as before.
"""

from __future__ import annotations

import os
import socket


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_gone(owner: str) -> bool:
    """True when ``owner`` is a process on this host that no longer runs."""
    host, sep, pid_text = owner.rpartition(":")
    if not sep or host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: no signal sent, only the existence check
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as another user
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A process killed but not yet reaped by its parent still answers signal 0."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False

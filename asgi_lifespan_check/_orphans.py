"""Processes the app detached from its process group (setsid) must not outlive us either.

Killing the child's process group takes everything the app forked, except a process that
started a session of its own (a daemonizing library). On Linux the command-line process
becomes a "child subreaper": such orphans are re-parented to us instead of init, and are
killed when the check ends. Elsewhere this is a no-op (process-group kill only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Ask the kernel to re-parent our orphaned descendants to us; True if it did."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def stat_fields(pid: int) -> list[bytes] | None:
    """/proc/PID/stat after the command name: state, ppid, pgrp, session, ...; None when
    the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields if len(fields) >= 4 else None


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _children(pid: int) -> list[int]:
    return [p for p in _pids() if (fields := stat_fields(p)) and int(fields[1]) == pid]


def marked(variable: str, value: str) -> list[int]:
    """The processes whose environment (as they were exec'd, or forked from such a
    process) holds variable=value; Linux only, others get none."""
    if not sys.platform.startswith("linux") or not value:
        return []
    needle = f"\0{variable}={value}\0".encode()
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if needle in b"\0" + environ.read() + b"\0":
                    found.append(pid)
        except OSError:
            continue  # gone, or not ours to read
    return found


def kill_marked(variable: str, value: str) -> int:
    """Kill every process marked variable=value: the processes an app started, wherever
    they went (a double fork, setsid), when we are not their subreaper (the Python API,
    the pytest plugin)."""
    killed = 0
    for pid in marked(variable, value):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def kill_orphans(deadline_s: float = 2.0) -> int:
    """Kill and reap every child we still have (and theirs, as they come back to us)."""
    killed = 0
    end = time.monotonic() + deadline_s
    me = os.getpid()
    while time.monotonic() < end:
        pids = _children(me)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            killed += 1
    return killed

"""Start the child interpreter with nothing but `os`: this runs before any other import.

Every millisecond between our own start and the child's start is added to the wall time
of a check whose app import is the slow part, so this module imports nothing heavy
(`subprocess` alone costs ~30 ms). The child runs in a new session, hence its own
process group, which the supervisor kills as a whole at the end.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NamedTuple


class Spawned(NamedTuple):
    """A started child: its pid and our ends of its pipes."""

    pid: int
    ctrl_w: int  # commands to the child
    evt_r: int  # events from the child
    dump_r: int  # faulthandler dumps from the child
    out_r: int  # the app's stdout
    err_r: int  # the app's stderr


def spawn(python: str | None = None, env: dict[str, str] | None = None) -> Spawned:
    """Start `python -m asgi_lifespan_check._child` with its four pipes; raise OSError."""
    ctrl_r, ctrl_w = os.pipe()
    evt_r, evt_w = os.pipe()
    dump_r, dump_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    child_fds = (ctrl_r, evt_w, dump_w)
    ours = (ctrl_w, evt_r, dump_r, out_r, err_r)
    try:
        for fd in child_fds:
            os.set_inheritable(fd, True)
        executable = python or sys.executable
        argv = [executable, "-m", "asgi_lifespan_check._child", *map(str, child_fds)]
        pid = os.posix_spawn(
            executable,
            argv,
            os.environ if env is None else env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in (*child_fds, out_w, err_w):
            os.close(fd)
    return Spawned(pid, ctrl_w, evt_r, dump_r, out_r, err_r)


def send(spawned: Spawned, command: dict[str, object]) -> None:
    """Write one JSON-line command to the child (a dead child is noticed elsewhere)."""
    import json

    data = (json.dumps(command) + "\n").encode()
    with contextlib.suppress(OSError):
        os.write(spawned.ctrl_w, data)


def discard(spawned: Spawned) -> None:
    """Make sure a child and its process group are gone (it may be reaped already)."""
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(spawned.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(spawned.pid, 0)
    for fd in spawned[1:]:
        with contextlib.suppress(OSError):
            os.close(fd)


def start(load: dict[str, object], python: str | None = None) -> Spawned:
    """Spawn the child and tell it at once what to import."""
    spawned = spawn(python)
    send(spawned, {"cmd": "load", "load": load})
    return spawned

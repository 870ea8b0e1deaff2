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


def spawn(
    python: str | None = None, env: dict[str, str] | None = None, *, profile: bool = False
) -> Spawned:
    """Start `python -m asgi_lifespan_check._child` with its four pipes; raise OSError.

    With `profile`, the child runs with `-X importtime`, which writes to fd 2: its fd 2
    is then a fifth pipe that the child reads itself (profiling/imports.py), and the
    app's stderr pipe is handed over as an extra descriptor.
    """
    ctrl_r, ctrl_w = os.pipe()
    evt_r, evt_w = os.pipe()
    dump_r, dump_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    child_fds: tuple[int, ...] = (ctrl_r, evt_w, dump_w)
    ours = (ctrl_w, evt_r, dump_r, out_r, err_r)
    stderr_w = err_w
    if profile:
        times_r, times_w = os.pipe()
        child_fds = (*child_fds, times_r, err_w)
        stderr_w = times_w
    try:
        for fd in child_fds:
            os.set_inheritable(fd, True)
        executable = python or sys.executable
        flags = ["-X", "importtime"] if profile else []
        argv = [executable, *flags, "-m", "asgi_lifespan_check._child", *map(str, child_fds)]
        pid = os.posix_spawn(
            executable,
            argv,
            os.environ if env is None else env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, stderr_w, 2),
            ],
            setsid=True,
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in {*child_fds, out_w, err_w, stderr_w}:
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
    spawned = spawn(python, profile=bool(load.get("profile")))
    send(spawned, {"cmd": "load", "load": load})
    return spawned

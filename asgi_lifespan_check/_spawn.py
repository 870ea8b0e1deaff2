"""Start the child interpreter with nothing but `os`: this runs before any other import.

Every millisecond between our own start and the child's start is added to the wall time
of a check whose app import is the slow part, so this module imports nothing heavy
(`subprocess` alone costs ~30 ms). The child runs in a new session, hence its own
process group, which the supervisor kills as a whole at the end.
"""

from __future__ import annotations

import os
import sys

# In the child's environment from its first instruction, so that every process the app
# starts inherits it, forks included (/proc/PID/environ shows the environment a process
# was exec'd with): a daemon that left the process tree is still known as the app's.
RUN_MARKER = "LIFESPAN_CHECK_RUN"


class Spawned:
    """A started child: its pid and our ends of its pipes (a plain class: NamedTuple
    would import typing, ~10 ms before the child can start)."""

    __slots__ = ("ctrl_w", "dump_r", "err_r", "evt_r", "marker", "out_r", "pid")

    def __init__(
        self,
        pid: int,
        ctrl_w: int,
        evt_r: int,
        dump_r: int,
        out_r: int,
        err_r: int,
        marker: str,
    ):
        self.pid = pid
        self.marker = marker  # RUN_MARKER's value in the child's environment
        self.ctrl_w = ctrl_w  # commands to the child
        self.evt_r = evt_r  # events from the child
        self.dump_r = dump_r  # faulthandler dumps from the child
        self.out_r = out_r  # the app's stdout
        self.err_r = err_r  # the app's stderr

    def fds(self) -> tuple[int, ...]:
        """Our ends of the pipes, to close when we are done with the child."""
        return (self.ctrl_w, self.evt_r, self.dump_r, self.out_r, self.err_r)


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
        # -P: the working directory is not put first on sys.path, so an app's own json.py
        # or typing.py cannot replace the standard library under our own imports. The
        # runner puts the app's directory on sys.path itself, right before the import.
        flags = ["-P", *(["-X", "importtime"] if profile else [])]
        argv = [executable, *flags, "-m", "asgi_lifespan_check._child", *map(str, child_fds)]
        marker = os.urandom(8).hex()
        pid = os.posix_spawn(
            executable,
            argv,
            {**(os.environ if env is None else env), RUN_MARKER: marker},
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
    return Spawned(pid, ctrl_w, evt_r, dump_r, out_r, err_r, marker)


def send(spawned: Spawned, command: dict[str, object]) -> None:
    """Write one JSON-line command to the child (a dead child is noticed elsewhere)."""
    import json

    data = (json.dumps(command) + "\n").encode()
    try:  # noqa: SIM105 -- contextlib is not imported yet at this point, and costs ~5 ms
        os.write(spawned.ctrl_w, data)
    except OSError:
        pass


def discard(spawned: Spawned) -> None:
    """Make sure a child and its process group are gone (it may be reaped already)."""
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(spawned.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(spawned.pid, 0)
    for fd in spawned.fds():
        with contextlib.suppress(OSError):
            os.close(fd)


def start(load: dict[str, object], python: str | None = None) -> Spawned:
    """Spawn the child and tell it at once what to import."""
    spawned = spawn(python, profile=bool(load.get("profile")))
    send(spawned, {"cmd": "load", "load": load})
    return spawned

"""Capturing what an in-process app writes to file descriptors 1 and 2.

An isolated child's output comes through pipes. In-process (--no-isolate), the app shares
our descriptors, so they are pointed at temporary files for the duration of the run:
this catches print(), logging and C-level writes alike, and keeps stdout clean for JSON.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading

from .model import Output

TAIL_BYTES = 64 * 1024


class FdCapture:
    """Points fds 1 and 2 at temporary files until `stop()` (idempotent, any thread)."""

    def __init__(self) -> None:
        self.output = Output()
        self._saved: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        _ACTIVE.append(self)
        for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
            with tempfile.TemporaryFile() as tmp:
                self._saved.append((fd, os.dup(fd), os.dup(tmp.fileno())))
                os.dup2(tmp.fileno(), fd)

    def stop(self) -> Output:
        with self._lock:
            if not self._saved:
                return self.output
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    stream.flush()
            texts = []
            for fd, original, tmp_fd in self._saved:
                os.dup2(original, fd)
                os.close(original)
                texts.append(_tail(tmp_fd))
                os.close(tmp_fd)
            self._saved.clear()
            if self in _ACTIVE:
                _ACTIVE.remove(self)
            (out, out_n), (err, err_n) = texts
            self.output = Output(stdout=out, stderr=err, stdout_bytes=out_n, stderr_bytes=err_n)
            return self.output


# The captures running now (at most one in practice), newest last.
_ACTIVE: list[FdCapture] = []


def terminal_stderr() -> int | None:
    """While a capture is active: a descriptor of the real stderr (our own notices are
    not the app's output and must not end up in its capture)."""
    if not _ACTIVE:
        return None
    for fd, original, _ in list(_ACTIVE[-1]._saved):
        if fd == 2:
            return original
    return None


def _tail(fd: int) -> tuple[str, int]:
    size = os.lseek(fd, 0, os.SEEK_END)
    os.lseek(fd, max(0, size - TAIL_BYTES), os.SEEK_SET)
    data = os.read(fd, TAIL_BYTES)
    return data.decode("utf-8", "replace"), size

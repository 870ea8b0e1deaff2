"""Presentation helpers shared by the text and rich renderers (no rich here)."""

from __future__ import annotations

import linecache
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Finding, Frame

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def literal(text: str) -> str:
    """App-provided text made inert: control characters (ANSI escapes included) shown
    as \\xNN, so nothing the app wrote can restyle or rewrite the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def short_path(path: str, cwd: str | None = None) -> str:
    """A path for display, made inert (a traceback the app sent can name any "file")."""
    return literal(_relative(path, cwd))


def _relative(path: str, cwd: str | None = None) -> str:
    """A path as a reader wants it: relative to the working directory when below it,
    else relative to the sys.path entry it was imported from (`starlette/routing.py`)."""
    cwd = cwd or os.getcwd()
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        rel = ".."
    if not rel.startswith(".."):
        return rel
    for entry in _import_roots():
        if path.startswith(entry):
            return path[len(entry) :]
    return path


def _import_roots() -> list[str]:
    roots = {os.path.join(os.path.abspath(p), "") for p in sys.path if p and os.path.isdir(p)}
    return sorted(roots, key=len, reverse=True)


def where(frame: Frame) -> str:
    return f"{short_path(frame.file)}:{frame.line} in {literal(frame.function)}"


def snippet(frame: Frame, context: int = 2) -> list[tuple[int, str, bool]]:
    """Source lines around a frame: (number, text, is_the_line)."""
    lines = []
    for number in range(max(1, frame.line - context), frame.line + context + 1):
        text = linecache.getline(frame.file, number)
        if not text and number > frame.line:
            break
        lines.append((number, literal(text.rstrip("\n")), number == frame.line))
    while lines and not lines[-1][1].strip() and not lines[-1][2]:
        lines.pop()
    return lines


@dataclass(frozen=True, slots=True)
class StackLine:
    """One line of a displayed stack: a frame, or a run of library frames folded."""

    frame: Frame | None
    folded: int = 0


def display_stack(frames: Sequence[Frame], limit: int = 12) -> list[StackLine]:
    """A stack for humans: user frames, library frames beside them, long runs folded."""
    out: list[StackLine] = []
    run: list[Frame] = []

    def flush(keep_last: bool) -> None:
        if not run:
            return
        if len(run) <= 2:
            out.extend(StackLine(f) for f in run)
        elif keep_last:
            out.append(StackLine(None, len(run) - 1))
            out.append(StackLine(run[-1]))
        else:
            out.append(StackLine(run[0]))
            out.append(StackLine(None, len(run) - 1))
        run.clear()

    seen_user = False
    for frame in frames:
        if frame.user:
            flush(keep_last=True)
            out.append(StackLine(frame))
            seen_user = True
        else:
            run.append(frame)
    flush(keep_last=not seen_user)
    if len(out) > limit:
        hidden = sum(1 if line.frame else line.folded for line in out[: len(out) - limit])
        out = [StackLine(None, hidden), *out[len(out) - limit :]]
    return out


def headline(finding: Finding) -> str:
    """The first line of a finding's message (messages can carry tracebacks)."""
    return literal(finding.message.strip().splitlines()[0]) if finding.message.strip() else ""


def rest_of_message(finding: Finding) -> list[str]:
    lines = finding.message.strip().splitlines()[1:]
    return [literal(line) for line in lines]


def summary_counts(errors: int, warnings: int) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def output_tail(text: str, lines: int = 12) -> list[str]:
    rows = text.rstrip("\n").splitlines()
    return [literal(r) for r in rows[-lines:]]

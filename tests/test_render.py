"""The human report: rich output at a real terminal width, and app text shown literally."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
import unicodedata

import pytest

from tests.helpers import APPS, BIN, REPO, clean_env, marker, run_cli

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")


def cells(line: str) -> int:
    """The width of a line on a terminal (wide East Asian characters take two cells)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def run_on_terminal(args: list[str], columns: int, timeout: float = 30.0) -> tuple[int, str]:
    """Run lifespan-check with stdout and stderr on a pseudo-terminal `columns` wide."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(
        [str(BIN), *args],
        cwd=REPO,
        env=clean_env({"TERM": "xterm-256color"}),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: every writer of the terminal is gone
                break
            if not data:
                break
            chunks.append(data)
        rc = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        proc.kill()
        os.close(leader)
    return rc, b"".join(chunks).decode("utf-8", "replace")


def test_rich_report_fits_80_columns_and_shows_code_location_and_summary() -> None:
    """--format rich at COLUMNS=80 fits every line in 80 columns and shows the essentials."""
    run = run_cli(
        ["--format", "rich", "--app-dir", "tests/apps", "long_message:app"],
        env={"COLUMNS": "80"},
        json_output=False,
    )
    assert run.rc == 1
    lines = run.stdout.splitlines()
    too_wide = [line for line in lines if cells(line) > 80]
    assert too_wide == []
    assert "LC101" in run.stdout
    assert f"long_message.py:{marker('long_message', 'raise')} in check_settings" in run.stdout
    assert "FAILED" in lines[-1]
    assert "startup-failed" in lines[-1]
    assert "exit 1" in lines[-1]


def test_rich_report_shows_markup_and_escapes_from_the_app_literally() -> None:
    """Rich markup and an ANSI escape in an exception message are printed as plain text."""
    run = run_cli(
        ["--format", "rich", "--app-dir", str(APPS), "markup_message:app"],
        env={"COLUMNS": "100"},
        json_output=False,
    )
    assert run.rc == 1
    assert "\x1b" not in run.stdout
    assert "[bold red]x[/]" in run.stdout
    assert "\\x1b[31m" in run.stdout


def test_text_report_shows_markup_and_escapes_from_the_app_literally() -> None:
    """The plain text report also shows markup literally and never emits the app's ESC."""
    run = run_cli(
        ["--format", "text", "--app-dir", str(APPS), "markup_message:app"], json_output=False
    )
    assert run.rc == 1
    assert "\x1b" not in run.stdout
    assert "[bold red]x[/]" in run.stdout


def test_json_report_keeps_the_exception_message_exact() -> None:
    """In JSON the exception message is kept exactly, escape character included."""
    run = run_cli(["--app-dir", str(APPS), "markup_message:app"])
    assert "RuntimeError: [bold red]x[/] \x1b[31m" in run.finding("LC101")["message"]


def test_terminal_gets_a_rich_report_sized_to_it() -> None:
    """On a real 80-column terminal the default report is rich and fits the terminal."""
    rc, output = run_on_terminal(["--app-dir", str(APPS), "long_message:app"], columns=80)
    assert rc == 1
    text = _ANSI.sub("", output)
    lines = [line.rstrip("\r") for line in text.splitlines()]
    assert [line for line in lines if cells(line) > 80] == []
    assert any("LC101" in line and "Startup raised an exception" in line for line in lines)
    summary = [line for line in lines if line.strip()][-1]
    assert "FAILED" in summary
    assert "startup-failed" in summary
    assert "outcome=" not in text  # the plain text format's verdict line is not used


@pytest.mark.parametrize("fmt", ["text", "rich"])
def test_paths_and_names_from_the_app_cannot_reach_the_terminal_raw(fmt: str) -> None:
    """A traceback the app sends can name any "file" and "function": they are shown inert."""
    run = run_cli(
        ["--format", fmt, "--app-dir", str(APPS), "escapes_in_traceback:app"],
        json_output=False,
        env={"FORCE_COLOR": "0"} if fmt == "rich" else None,
    )
    assert run.rc == 1
    assert r"\x1b]0;pwned" in run.stdout  # shown, escaped
    assert "\x1b" not in run.stdout  # and no raw ESC (no colour was asked for)
    assert "\x07" not in run.stdout

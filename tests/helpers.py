"""Shared helpers: run lifespan-check as a user would and read what it reports.

Two ways in, as typer's own tests do:

- `check()` calls the typer app through `typer.testing.CliRunner` (the parent runs in
  this process, the app still runs in the tool's child interpreter unless the arguments
  say `--no-isolate`). Cheap, so most finding tests use it.
- `run_cli()` starts the installed `lifespan-check` script (or `python -m
  asgi_lifespan_check`) as a real subprocess, for the entry point, the process model
  and anything that needs a real stdout.

Both always ask for `--format json` unless told otherwise, and check that stdout holds
exactly one JSON document.

Target apps mark the line a finding must point at with a `# <- tag` comment; `marker()`
finds it, so the tests never hard-code line numbers.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
APPS = TESTS / "apps"
# The console script of the interpreter running the tests (.venv/bin/lifespan-check).
BIN = Path(sys.executable).with_name("lifespan-check")
# Environment variables that would change the output format or width behind our back.
_FORMAT_VARS = ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "TERM")

Report = dict[str, Any]
Finding = dict[str, Any]


@dataclass(frozen=True)
class Run:
    """One run of lifespan-check: exit status, parsed JSON report (if any), raw output."""

    rc: int
    stdout: str
    stderr: str
    wall_s: float
    report: Report = field(default_factory=dict)

    def finding(self, code: str) -> Finding:
        """The one finding with `code` (fails the test if there is not exactly one)."""
        return only(self.report, code)

    @property
    def codes(self) -> list[str]:
        return codes(self.report)


def parse_report(stdout: str) -> Report:
    """The single JSON document on stdout; fails the test on anything else."""
    try:
        report = json.loads(stdout)
    except ValueError as exc:
        raise AssertionError(
            f"stdout is not exactly one JSON document ({exc}):\n{stdout[:2000]}"
        ) from None
    assert isinstance(report, dict), f"the JSON document is a {type(report).__name__}"
    return report


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without variables that steer formatting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in _FORMAT_VARS}
    env.update(extra or {})
    return env


def _with_format(args: Sequence[str]) -> list[str]:
    args = list(args)
    if not any(a in ("--format", "-f") or a.startswith("--format=") for a in args):
        args = ["--format", "json", *args]
    return args


def _is_json(args: Sequence[str]) -> bool:
    args = list(args)
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and i + 1 < len(args):
            return args[i + 1] == "json"
        if arg.startswith("--format="):
            return arg.partition("=")[2] == "json"
    return False


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run the typer app in this process through CliRunner, exactly with `args`."""
    from asgi_lifespan_check.cli import app

    start = time.monotonic()
    result = CliRunner().invoke(app, list(args), env=dict(env) if env else None)
    wall = time.monotonic() - start
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"lifespan-check raised {result.exception!r}\n{result.stderr}"
        ) from result.exception
    report = parse_report(result.stdout) if _is_json(args) and result.stdout.strip() else {}
    return Run(result.exit_code, result.stdout, result.stderr, wall, report)


def _check(target: str, args: tuple[str, ...]) -> Run:
    return invoke(_with_format(["--app-dir", str(APPS), *args, target]))


_check_cached = functools.cache(_check)


def check(target: str, *args: str) -> Run:
    """Check `target` from tests/apps through CliRunner with JSON output.

    Runs with identical arguments are shared between tests: treat the report as read-only.
    """
    return _check_cached(target, args)


def run_cli(
    args: Sequence[str],
    cwd: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    module: bool = False,
    json_output: bool = True,
) -> Run:
    """Run the real `lifespan-check` script (or `python -m asgi_lifespan_check`).

    With json_output, `--format json` is added unless a format is given, and stdout must
    be exactly one JSON document.
    """
    argv = _with_format(args) if json_output else list(args)
    command = [sys.executable, "-m", "asgi_lifespan_check", *argv] if module else [str(BIN), *argv]
    start = time.monotonic()
    proc = subprocess.run(
        command,
        cwd=str(cwd) if cwd is not None else str(REPO),
        env=clean_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.monotonic() - start
    report = parse_report(proc.stdout) if json_output and _is_json(argv) else {}
    return Run(proc.returncode, proc.stdout, proc.stderr, wall, report)


def app_file(module: str) -> Path:
    """The file of a target app module in tests/apps (dotted names for packages)."""
    return APPS.joinpath(*module.split(".")).with_suffix(".py")


def marker(module: str, tag: str = "") -> int:
    """The line number of the `# <- tag` comment in a target app (exactly one)."""
    needle = f"# <- {tag}".rstrip() if tag else "# <-"
    lines = app_file(module).read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith(needle)]
    assert len(found) == 1, f"{module}.py has {len(found)} lines marked {needle!r}"
    return found[0]


def codes(report: Report) -> list[str]:
    return [str(f["code"]) for f in report.get("findings", [])]


def only(report: Report, code: str) -> Finding:
    """The one finding with `code` in the report."""
    matches = [f for f in report.get("findings", []) if f["code"] == code]
    assert len(matches) == 1, f"expected one {code}, got the findings {codes(report)}"
    finding: Finding = matches[0]
    return finding


def phase(report: Report, name: str) -> dict[str, Any]:
    """The phase called `name` in the report."""
    for entry in report.get("phases", []):
        if entry["name"] == name:
            found: dict[str, Any] = entry
            return found
    names = [p["name"] for p in report.get("phases", [])]
    raise AssertionError(f"no phase {name!r} in {names}")


def same_file(reported: str, module: str) -> bool:
    return Path(reported).resolve() == app_file(module).resolve()


def assert_points_at(finding: Finding, module: str, tag: str = "") -> None:
    """The finding's location is the marked line of the target app."""
    location = finding.get("location")
    expected = f"{app_file(module)}:{marker(module, tag)}"
    assert location is not None, f"{finding['code']} has no location; expected {expected}"
    where = f"{location['file']}:{location['line']}"
    assert same_file(location["file"], module), f"{finding['code']} points at {where}"
    assert location["line"] == marker(module, tag), (
        f"{finding['code']} points at {where}, expected {expected}"
    )


def stack_has(finding: Finding, module: str, tag: str = "") -> bool:
    """True if the finding's stack holds the marked line of the target app."""
    line = marker(module, tag)
    return any(
        same_file(frame["file"], module) and frame["line"] == line
        for frame in finding.get("stack", [])
    )


# Processes ------------------------------------------------------------------------------


def processes_with_env(token: str) -> list[int]:
    """Pids of live processes (other than this one) whose environment holds `token`."""
    needle = token.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        if needle in environ:
            found.append(int(entry.name))
    return found


def survivors(token: str, settle_s: float = 3.0) -> list[int]:
    """Processes still carrying `token` once killed processes have had time to go away.

    Killing a process group is asynchronous: poll until none is left or `settle_s`
    passes (this is a bound, not a timing assertion).
    """
    deadline = time.monotonic() + settle_s
    while True:
        left = processes_with_env(token)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def kill_all(pids: Sequence[int]) -> None:
    """Clean up after a failed no-orphans test: kill the processes it found, by pid."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

"""Helpers for the CI-gate tests: run lifespan-check for real and read what it wrote.

`run_cli()` starts the installed console script as a subprocess (the real entry point,
the real early spawn, real stdout and stderr); `invoke()` calls the typer app through
CliRunner, for options and exit codes. Neither adds a format: the tests say what they ask.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
APPS = TESTS / "apps"
SCHEMAS = TESTS / "schemas"
BIN = Path(sys.executable).with_name("lifespan-check")
# Variables that would change the output format, its colours or its width behind our back.
_STEERING = ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "TERM", "GITHUB_STEP_SUMMARY")


@dataclass(frozen=True)
class Run:
    """One run of lifespan-check: its exit status and what it wrote."""

    rc: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """stdout as exactly one JSON document (fails the test otherwise)."""
        try:
            document = json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(
                f"stdout is not one JSON document ({exc}):\n{self.stdout}"
            ) from None
        assert isinstance(document, dict)
        return document


def env_for(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _STEERING}
    env.update(extra or {})
    return env


def run_cli(
    args: Sequence[str],
    cwd: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> Run:
    """Run the real `lifespan-check` script in `cwd` (default: the repository)."""
    proc = subprocess.run(
        [str(BIN), *args],
        cwd=str(cwd or REPO),
        env=env_for(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run the typer app in this process through CliRunner."""
    from asgi_lifespan_check.cli import app

    result = CliRunner().invoke(app, list(args), env=dict(env) if env else None)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"lifespan-check raised {result.exception!r}") from result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def write_project(root: Path, pyproject: str, apps: Sequence[str] = ()) -> Path:
    """A project folder: a pyproject.toml and copies of the named tests/apps modules."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    for name in apps:
        (root / f"{name}.py").write_text((APPS / f"{name}.py").read_text())
    return root


def codes(report: Mapping[str, Any]) -> list[str]:
    return [str(f["code"]) for f in report.get("findings", [])]


def finding(report: Mapping[str, Any], code: str) -> dict[str, Any]:
    """The one finding with `code` in the report."""
    matches = [f for f in report.get("findings", []) if f["code"] == code]
    assert len(matches) == 1, f"expected one {code}, got {codes(report)}"
    found: dict[str, Any] = matches[0]
    return found


def marker(module: str, tag: str) -> int:
    """The line of `# <- tag` in a tests/apps module."""
    lines = (APPS / f"{module}.py").read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith(f"# <- {tag}")]
    assert len(found) == 1, f"{module}.py has {len(found)} lines marked {tag!r}"
    return found[0]

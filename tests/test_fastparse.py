"""The parent's cheap coercion gives typer the same values (and errors) as typer's own."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer

from asgi_lifespan_check._fastparse import install
from asgi_lifespan_check.cli import app

GOOD = [
    ["a:b"],
    ["a:b", "c:d", "--jobs", "3", "--repeat", "2"],
    ["--startup-timeout", "1.5", "--shutdown-timeout", "2", "--hold", "0", "a:b"],
    ["--import-timeout=7", "--block-threshold", "0.1", "a:b"],
    ["--lifespan", "on", "--backend", "trio", "--emulate", "asgi-lifespan", "a:b"],
    ["-f", "json", "--no-isolate", "--no-state", "--factory", "a:b"],
    # Not inf or nan: typer's own coercion takes them, ours refuses them (and settings.py
    # would refuse them after typer's), as durations must be finite.
    ["--max-import", "0", "--max-startup", "1e-3", "--max-shutdown", "1e308", "a:b"],
    ["--budget-severity", "warning", "--tolerance", "15%", "--baseline-floor", "0.1", "a:b"],
    ["--ignore", "LC206,LC402", "--ignore", "LC401", "--strict", "a:b"],
    ["--probe", "GET /healthz", "--probe", "HEAD /", "--probe-status", "204", "a:b"],
    ["--json", "out.json", "--junit-xml", "out.xml", "--config", "x.toml", "a:b"],
    ["--app-dir", "src", "--env-file", ".env", "a:b"],
    [],
]

BAD = [
    ["--hold", "abc", "a:b"],
    ["--jobs", "0", "a:b"],
    ["--jobs", "1.5", "a:b"],
    ["--repeat", "x", "a:b"],
    ["--max-startup", "-1", "a:b"],
    ["--backend", "nope", "a:b"],
    ["--lifespan", "ON", "a:b"],
    ["-f", "yaml", "a:b"],
]


def parse(args: list[str], fast: bool) -> dict[str, Any]:
    command = typer.main.get_command(app)
    if fast:
        assert install(command) > 30
    ctx = command.make_context("lifespan-check", list(args))
    return dict(ctx.params)


@pytest.mark.parametrize("args", GOOD, ids=lambda a: " ".join(a) or "no-args")
def test_values_match_typers_own_coercion(args: list[str]) -> None:
    """Every option parses to the same value, type included, either way."""
    fast, slow = parse(args, True), parse(args, False)
    assert fast == slow
    assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in slow.items()}


@pytest.mark.parametrize("args", BAD, ids=" ".join)
def test_bad_values_are_usage_errors_either_way(args: list[str]) -> None:
    """A value typer rejects is rejected by the cheap coercion too, as a bad parameter."""
    for fast in (True, False):
        with pytest.raises(typer.BadParameter):
            parse(args, fast)


def test_the_cli_does_not_import_pydantic_to_parse() -> None:
    """Parsing the command line (here: --version) leaves pydantic unimported."""
    code = (
        "import sys\n"
        "from asgi_lifespan_check.cli import run\n"
        "run(['--hold', '1', '--version'])\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "False"

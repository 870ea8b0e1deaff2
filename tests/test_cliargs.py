"""The typer-free parse of everyday command lines agrees with typer, option by option."""

from __future__ import annotations

import enum
import random
import subprocess
import sys
from typing import Any

import pytest
import typer

from asgi_lifespan_check import cliargs
from asgi_lifespan_check._fastparse import install
from asgi_lifespan_check.cli import app, given_parameters


def typer_table() -> dict[str, tuple[str, Any, Any]]:
    """cliargs.OPTIONS as the typer command defines it."""
    command = typer.main.get_command(app)
    table: dict[str, tuple[str, Any, Any]] = {}
    for param in command.params:
        if param.name in (cliargs.TARGETS, "explain", "version"):
            continue
        descriptor = param.type_descriptor  # type: ignore[attr-defined]
        annotation, info = descriptor.annotation, descriptor.parameter_info
        if getattr(annotation, "__origin__", None) is list:
            kind: Any = "strs"
        elif annotation is bool:
            for name in param.opts:
                table[name] = (str(param.name), "flag", True)
            for name in getattr(param, "secondary_opts", []):
                table[name] = (str(param.name), "flag", False)
            continue
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            kind = tuple(member.value for member in annotation)
        else:
            kind = annotation.__name__
        extra = getattr(info, "min", None) if kind in ("int", "float") else None
        for name in param.opts:
            table[name] = (str(param.name), kind, extra)
    return table


def test_table_mirrors_the_typer_command() -> None:
    """Every option typer knows is in cliargs.OPTIONS with the same name, kind and minimum."""
    expected = typer_table()
    assert expected == cliargs.OPTIONS, f"regenerate cliargs.OPTIONS:\n{expected!r}"


def test_typer_only_options_are_the_rest() -> None:
    """Help, version and explain are the only options left to typer."""
    command = typer.main.get_command(app)
    names = {n for p in command.params for n in [*p.opts, *getattr(p, "secondary_opts", [])]}
    names = {n for n in names if n.startswith("-")} | {"-h", "--help"}
    assert names - set(cliargs.OPTIONS) == set(cliargs.TYPER_ONLY)


def typer_given(args: list[str]) -> dict[str, Any]:
    command = typer.main.get_command(app)
    install(command)
    ctx: Any = command.make_context("lifespan-check", list(args))
    return given_parameters(ctx)


CORPUS = [
    [],
    ["a:b"],
    ["a:b", "c:d", "--jobs", "3", "--repeat", "2"],
    ["-j", "2", "a:b", "--", "-weird:name"],
    ["--startup-timeout", "1.5", "--shutdown-timeout=2", "--hold", "0", "a:b"],
    ["--lifespan", "on", "--backend", "trio", "--emulate", "asgi-lifespan", "a:b"],
    ["-f", "json", "--no-isolate", "--no-state", "--factory", "a:b"],
    ["--isolate", "--state", "--no-strict", "--strict", "a:b"],
    ["--max-import", "0", "--max-startup", "1e-3", "--max-shutdown", "1e308", "a:b"],
    ["--budget-severity", "warning", "--tolerance", "15%", "--baseline-floor", "0.1", "a:b"],
    ["--ignore", "LC206,LC402", "--ignore", "lc401", "a:b"],
    ["--probe", "GET /healthz", "--probe", "HEAD /", "--probe-status", "204", "a:b"],
    ["--json", "out.json", "--junit-xml=out.xml", "--config", "x.toml", "a:b"],
    ["--no-config", "--app-dir", "src", "--env-file", ".env", "a:b"],
    ["--profile", "--profile-output", "p.json", "--profile-format", "chrome", "--profile-top", "5"],
    ["--hold", "-1", "a:b"],
]


@pytest.mark.parametrize("args", CORPUS, ids=lambda a: " ".join(a) or "no-args")
def test_everyday_command_lines_parse_as_typer_does(args: list[str]) -> None:
    """The parameters (and their types) are exactly typer's."""
    ours = cliargs.parse(args)
    assert ours is not None
    theirs = typer_given(args)
    assert ours == theirs
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}


def test_random_command_lines_parse_as_typer_does() -> None:
    """Random mixes of every option with valid values agree with typer (fixed seed)."""
    samples = {
        "str": ["x", "a b", "-"],
        "float": ["0", "2.5", "1e2"],
        "int": ["1", "7"],
        "strs": ["LC101", "GET /"],
    }
    rng = random.Random(20261203)
    options = sorted(cliargs.OPTIONS)
    for _ in range(200):
        args: list[str] = []
        for name in rng.sample(options, rng.randint(1, 8)):
            _, kind, _ = cliargs.OPTIONS[name]
            if kind == "flag":
                args.append(name)
                continue
            value = rng.choice(kind) if isinstance(kind, tuple) else rng.choice(samples[kind])
            if kind == "str" and name == "--tolerance":
                value = "20%"
            attached = name.startswith("--") and rng.random() < 0.3
            args += [f"{name}={value}"] if attached else [name, value]
        args += rng.sample(["a:b", "c:d", "e.f:g.h"], rng.randint(0, 2))
        ours = cliargs.parse(args)
        assert ours is not None, args
        assert ours == typer_given(args), args


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["--version"],
        ["--explain", "LC103"],
        ["--bogus", "a:b"],
        ["-fjson", "a:b"],
        ["-j=2", "a:b"],
        ["--factory=yes", "a:b"],
        ["--hold", "abc", "a:b"],
        ["--hold", "inf", "a:b"],
        ["--startup-timeout", "nan", "a:b"],
        ["--jobs", "0", "a:b"],
        ["--backend", "nope", "a:b"],
        ["--hold"],
    ],
    ids=" ".join,
)
def test_anything_unusual_is_left_to_typer(args: list[str]) -> None:
    """Help, unknown or combined options and bad values are not parsed here."""
    assert cliargs.parse(args) is None


def test_everyday_run_never_imports_typer(tmp_path: Any) -> None:
    """The console script checks an app without importing typer (or rich, in JSON mode)."""
    (tmp_path / "tiny.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await receive(); await send({'type': 'lifespan.startup.complete'})\n"
        "    await receive(); await send({'type': 'lifespan.shutdown.complete'})\n"
    )
    code = (
        "import sys, atexit\n"
        "from asgi_lifespan_check import _entry\n"
        "sys.argv = ['lifespan-check', '--format', 'json', '--no-isolate', 'tiny:app']\n"
        "import os\n"
        "real_exit = os._exit\n"
        "def report(status):\n"
        "    os.write(2, repr(sorted({'typer', 'rich', 'pydantic'} & set(sys.modules))).encode())\n"
        "    real_exit(status)\n"
        "os._exit = report\n"
        "_entry.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("[]"), result.stderr

"""The command line's options as plain data, and a parser for the everyday command lines.

cli.py declares the options with typer, and typer stays the authority: help, errors and
every unusual command line go through it. But importing and running typer costs the
parent ~100 ms, more than a small app's whole check, so the entry point first tries
`parse()`: it accepts only the plain forms (`--opt value`, `--opt=value`, `-f value`,
flags, positionals, `--`), and returns None for anything else (help, version, explain,
unknown or combined options, bad values), which then goes to typer.

`OPTIONS` mirrors the typer command; tests/test_cliargs.py derives the same table from
cli.app and requires equality, and parses a corpus of command lines both ways.
This module imports nothing heavy: the entry point runs it before starting the child.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# option string → (parameter name, kind, extra). Kinds: "str", "float", "int" (extra: the
# minimum or None), "strs" (repeatable), a tuple of choices, or "flag" (extra: the value).
OPTIONS: dict[str, tuple[str, Any, Any]] = {
    "--app-dir": ("app_dir", "str", None),
    "--env-file": ("env_file", "str", None),
    "--factory": ("factory", "flag", True),
    "--startup-timeout": ("startup_timeout", "float", None),
    "--shutdown-timeout": ("shutdown_timeout", "float", None),
    "--import-timeout": ("import_timeout", "float", None),
    "--hold": ("hold", "float", None),
    "--lifespan": ("lifespan", ("auto", "on"), None),
    "--backend": ("backend", ("asyncio", "trio"), None),
    "--emulate": ("emulate", ("uvicorn", "hypercorn", "granian", "asgi-lifespan"), None),
    "--state": ("state", "flag", True),
    "--no-state": ("state", "flag", False),
    "--format": ("fmt", ("rich", "json", "junit", "github", "text"), None),
    "-f": ("fmt", ("rich", "json", "junit", "github", "text"), None),
    "--isolate": ("isolate", "flag", True),
    "--no-isolate": ("isolate", "flag", False),
    "--block-threshold": ("block_threshold", "float", None),
    "--config": ("config_file", "str", None),
    "--no-config": ("no_config", "flag", True),
    "--jobs": ("jobs", "int", 1),
    "-j": ("jobs", "int", 1),
    "--repeat": ("repeat", "int", 1),
    "--max-import": ("max_import", "float", 0),
    "--max-startup": ("max_startup", "float", 0),
    "--max-shutdown": ("max_shutdown", "float", 0),
    "--max-total": ("max_total", "float", 0),
    "--budget-severity": ("budget_severity", ("error", "warning"), None),
    "--baseline": ("baseline", "str", None),
    "--save-baseline": ("save_baseline", "str", None),
    "--tolerance": ("tolerance", "str", None),
    "--baseline-floor": ("baseline_floor", "float", 0),
    "--strict": ("strict", "flag", True),
    "--no-strict": ("strict", "flag", False),
    "--ignore": ("ignore", "strs", None),
    "--json": ("json_file", "str", None),
    "--junit-xml": ("junit_xml", "str", None),
    "--probe": ("probe", "strs", None),
    "--probe-status": ("probe_status", "str", None),
    "--probe-timeout": ("probe_timeout", "float", None),
    "--profile": ("profile", "flag", True),
    "--profile-output": ("profile_output", "str", None),
    "--profile-format": ("profile_format", ("speedscope", "chrome"), None),
    "--profile-top": ("profile_top", "int", 1),
}
# Options whose job is not a check: left to typer.
TYPER_ONLY = frozenset({"--explain", "--version", "--help", "-h"})
TARGETS = "targets"

# Parameter name → config key, for the options the config file knows too.
CONFIG_KEYS = {
    "targets": "targets",
    "app_dir": "app-dir",
    "env_file": "env-file",
    "factory": "factory",
    "startup_timeout": "startup-timeout",
    "shutdown_timeout": "shutdown-timeout",
    "import_timeout": "import-timeout",
    "hold": "hold",
    "lifespan": "lifespan",
    "backend": "backend",
    "fmt": "format",
    "isolate": "isolate",
    "block_threshold": "block-threshold",
    "jobs": "jobs",
    "repeat": "repeat",
    "max_import": "max-import",
    "max_startup": "max-startup",
    "max_shutdown": "max-shutdown",
    "max_total": "max-total",
    "budget_severity": "budget-severity",
    "baseline": "baseline",
    "save_baseline": "save-baseline",
    "tolerance": "tolerance",
    "baseline_floor": "baseline-floor",
    "strict": "strict",
    "ignore": "ignore",
    "json_file": "json",
    "junit_xml": "junit-xml",
    "probe": "probe",
    "probe_status": "probe-status",
    "probe_timeout": "probe-timeout",
    "emulate": "emulate",
    "state": "state",
}


def coerce(kind: Any, extra: Any, value: str) -> Any:
    """One option's value from its text; ValueError with a sentence if it is bad."""
    if kind in ("str", "strs"):
        return value
    if kind in ("int", "float"):
        noun = "a whole number" if kind == "int" else "a number"
        try:
            number = int(value) if kind == "int" else float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not {noun}") from None
        if not math.isfinite(number):  # every number here is seconds or a count
            raise ValueError(f"{value!r} is not a finite number")
        if extra is not None and number < extra:
            raise ValueError(f"{value!r} is less than the minimum of {extra:g}")
        return number
    if isinstance(kind, tuple):
        if value not in kind:
            raise ValueError(f"{value!r} is not one of {', '.join(repr(c) for c in kind)}")
        return value
    raise ValueError(f"unknown option kind {kind!r}")


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The parameters given on this plain command line, by name; None if typer must do it.

    Values have typer's types, with choices as their strings and repeatable options and
    targets as lists, exactly as cli.given_parameters() reports typer's own parse.
    """
    given: dict[str, Any] = {}
    targets: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            targets.extend(args)
            break
        if not arg.startswith("-") or arg == "-":
            targets.append(arg)
            continue
        name, eq, text = arg.partition("=")
        if eq and not arg.startswith("--"):
            return None  # click reads "-j=7" as -j with the value "=7": leave it to typer
        spec = OPTIONS.get(name)
        if spec is None or name in TYPER_ONLY:
            return None
        dest, kind, extra = spec
        if kind == "flag":
            if eq:
                return None
            given[dest] = extra
            continue
        if not eq:
            following = next(args, None)
            if following is None:
                return None
            text = following
        try:
            value = coerce(kind, extra, text)
        except ValueError:
            return None  # typer says what is wrong, in its words
        if kind == "strs":
            given.setdefault(dest, []).append(value)
        else:
            given[dest] = value
    if targets:
        given[TARGETS] = targets
    return given


def to_config(given: dict[str, Any]) -> dict[str, Any]:
    """Given parameters → the settings' command-line layer, keyed as in the config file."""
    out: dict[str, Any] = {}
    for name, key in CONFIG_KEYS.items():
        if name not in given:
            continue
        value = given[name]
        if key == "ignore":
            value = tuple(
                part.strip().upper() for item in value for part in item.split(",") if part.strip()
            )
        elif key in ("targets", "probe"):
            value = tuple(value)
        elif key == "probe-status":
            value = (value,)
        out[key] = value
    return out

"""The console script's entry point: start the app's child interpreter first, then parse.

Importing and running typer costs the parent 150-200 ms. Spawning the child before that
lets the app's import (often the slowest part of a check) overlap it on a second core
(PERFORMANCE.md). The child is started from a quick, conservative scan of argv; typer
then parses for real, and the speculative child is used only if the scan agreed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._spawn import Spawned

# Options that take a value, and flags. The CLI module is the source of truth;
# tests/test_entry.py checks that these tables match it.
VALUE_OPTIONS = frozenset(
    {
        "--app-dir",
        "--env-file",
        "--startup-timeout",
        "--shutdown-timeout",
        "--import-timeout",
        "--hold",
        "--lifespan",
        "--backend",
        "--format",
        "-f",
        "--block-threshold",
        "--explain",
    }
)
FLAG_OPTIONS = frozenset({"--factory", "--isolate", "--no-isolate", "--version", "--help", "-h"})


def prescan(argv: list[str]) -> dict[str, object] | None:
    """The load options argv asks for, or None when they are not certain from a quick look."""
    values: dict[str, str] = {}
    flags: set[str] = set()
    positionals: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            positionals.extend(args)
            break
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name in VALUE_OPTIONS:
                if not eq:
                    following = next(args, None)
                    if following is None:
                        return None
                    value = following
                values[name] = value
            elif name in FLAG_OPTIONS and not eq:
                flags.add(name)
            else:
                return None
        else:
            positionals.append(arg)
    if len(positionals) != 1 or "--explain" in values or flags & {"--help", "-h", "--version"}:
        return None
    if "--no-isolate" in flags and "--isolate" not in flags:
        return None
    try:
        import_timeout = float(values.get("--import-timeout", "60"))
    except ValueError:
        return None
    return {
        "target": positionals[0],
        "app_dir": values.get("--app-dir", "."),
        "env_file": values.get("--env-file"),
        "factory": "--factory" in flags,
        "import_timeout": import_timeout,
    }


def _speculate(argv: list[str]) -> tuple[dict[str, object], Spawned] | None:
    """Start the child for what argv most likely asks, before anything heavy is imported."""
    plan = prescan(argv)
    if plan is None or ":" not in str(plan["target"]):
        return None
    env_file = plan["env_file"]
    if env_file is not None and not os.path.isfile(str(env_file)):
        return None
    from ._spawn import start

    try:
        return plan, start(plan)
    except OSError:
        return None  # the real run will start one and report properly


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:
        # Ctrl+C before the check installed its own handler (during start-up): quietly.
        os._exit(130)


def _main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["explain"]:
        argv = ["--explain", *argv[1:]] if len(argv) > 1 else ["--explain", "all"]
    early = _speculate(argv)
    from . import _orphans

    subreaper = _orphans.become_subreaper()
    from .cli import run

    code = run(argv, early=early)
    if subreaper:
        _orphans.kill_orphans()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    # Interpreter teardown would cost the user ~20% of the run for nothing.
    os._exit(code)


if __name__ == "__main__":
    main()

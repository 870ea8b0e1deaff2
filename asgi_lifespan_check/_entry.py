"""The console script's entry point: start the app's child interpreter first, then parse.

Importing and running typer costs the parent 150-200 ms. Spawning the child before that
lets the app's import (often the slowest part of a check) overlap it on a second core
(PERFORMANCE.md). The child is started from a quick, conservative scan of argv; typer
then parses for real, and the speculative child is used only if the scan agreed.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs ~10 ms; nothing may delay the child's spawn

if TYPE_CHECKING:
    from ._spawn import Spawned

# Options that take a value, and flags. The CLI module is the source of truth;
# tests/test_entry_options.py checks that these tables match it.
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
        "--config",
        "--jobs",
        "-j",
        "--repeat",
        "--max-import",
        "--max-startup",
        "--max-shutdown",
        "--max-total",
        "--budget-severity",
        "--baseline",
        "--save-baseline",
        "--tolerance",
        "--baseline-floor",
        "--ignore",
        "--json",
        "--junit-xml",
        "--probe",
        "--probe-status",
        "--probe-timeout",
        "--profile-output",
        "--profile-format",
        "--profile-top",
        "--emulate",
    }
)
FLAG_OPTIONS = frozenset(
    {
        "--factory",
        "--isolate",
        "--no-isolate",
        "--version",
        "--help",
        "-h",
        "--no-config",
        "--strict",
        "--no-strict",
        "--profile",
        "--state",
        "--no-state",
    }
)


def prescan(argv: list[str], cwd: str | None = None) -> list[dict[str, object]] | None:
    """The load options of the first child of each target argv (and the config) asks for,
    at most --jobs of them; None when they are not certain from a quick look."""
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
    if "--explain" in values or flags & {"--help", "-h", "--version"}:
        return None
    if "--no-isolate" in flags and "--isolate" not in flags:
        return None
    cli: dict[str, object] = {}
    try:
        if "--import-timeout" in values:
            cli["import-timeout"] = float(values["--import-timeout"])
        jobs = int(values.get("--jobs", values.get("-j", "0")))
    except ValueError:
        return None
    for option in ("--app-dir", "--env-file"):
        if option in values:
            cli[option[2:]] = values[option]
    if "--factory" in flags:
        cli["factory"] = True
    from . import config as configuration
    from .errors import ConfigError

    try:
        if "--no-config" in flags:
            found = None
        elif "--config" in values:
            found = configuration.load(values["--config"], explicit=True)
        else:
            found = configuration.discover(cwd or os.getcwd())
    except ConfigError:
        return None  # the real run reports it
    if found is not None and found.values.get("isolate") is False and "--isolate" not in flags:
        return None
    targets = list(dict.fromkeys(positionals)) or list(configuration.targets_of({}, found))
    if not targets:
        return None
    if found is not None and not jobs:
        jobs = int(found.values.get("jobs") or 0)
    jobs = jobs or os.cpu_count() or 1
    plans = [configuration.load_plan(target, cli, found) for target in targets[:jobs]]
    if "--profile" in flags or "--profile-output" in values:
        # Known at spawn time: a profiled child starts with -X importtime.
        plans = [{**plan, "profile": True} for plan in plans]
    return plans


def _speculate(argv: list[str]) -> list[tuple[dict[str, object], Spawned]]:
    """Start the children for what argv most likely asks, before anything heavy is imported."""
    plans = prescan(argv)
    started: list[tuple[dict[str, object], Spawned]] = []
    if not plans:
        return started
    from ._spawn import start

    for plan in plans:
        if ":" not in str(plan["target"]):
            continue
        env_file = plan["env_file"]
        if env_file is not None and not os.path.isfile(str(env_file)):
            continue
        try:
            started.append((plan, start(plan)))
        except OSError:
            break  # the real run will start them and report properly
    return started


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
        try:  # noqa: SIM105 -- contextlib is not otherwise needed in this module
            stream.flush()
        except (OSError, ValueError):
            pass
    # Interpreter teardown would cost the user ~20% of the run for nothing.
    os._exit(code)


if __name__ == "__main__":
    main()

"""The console script's entry point: start the app's child interpreter first, then parse.

The app's import is usually the slowest part of a check, so the child that runs it is
started before anything heavy is imported here, from cliargs.parse() (a plain-argv
parser that imports nothing) and the config file. Its import then overlaps our own
start-up on a second core (PERFORMANCE.md). For the everyday command line that parse is
also the real one and typer is never imported (~100 ms saved); anything unusual (help,
errors, explain) goes through typer in cli.py, and a child started for a plan the real
run does not want is simply killed.
"""

from __future__ import annotations

import os
import sys

from .cliargs import parse

TYPE_CHECKING = False  # typing costs ~10 ms; nothing may delay the child's spawn

if TYPE_CHECKING:
    from ._spawn import Spawned


def prescan(
    argv: list[str], cwd: str | None = None, given: dict[str, object] | None = None
) -> list[dict[str, object]] | None:
    """The load options of the first child of each target argv (and the config) asks for,
    at most --jobs of them; None when they are not certain from a quick look."""
    if given is None:
        given = parse(argv)
    if given is None or given.get("isolate") is False:
        return None
    cli: dict[str, object] = {
        key: given[name]
        for name, key in (
            ("import_timeout", "import-timeout"),
            ("app_dir", "app-dir"),
            ("env_file", "env-file"),
            ("factory", "factory"),
        )
        if name in given
    }
    from . import config as configuration
    from .errors import ConfigError

    try:
        if given.get("no_config"):
            found = None
        elif "config_file" in given:
            found = configuration.load(str(given["config_file"]), explicit=True)
        else:
            found = configuration.discover(cwd or os.getcwd())
    except ConfigError:
        return None  # the real run reports it
    if found is not None and found.values.get("isolate") is False and "isolate" not in given:
        return None
    named = given.get("targets")
    targets = list(dict.fromkeys(named)) if isinstance(named, list) else []
    targets = targets or list(configuration.targets_of({}, found))
    if not targets:
        return None
    asked = given.get("jobs")
    jobs = asked if isinstance(asked, int) else 0
    if found is not None and not jobs:
        jobs = int(found.values.get("jobs") or 0)
    jobs = jobs or configuration.default_jobs()
    plans = [configuration.load_plan(target, cli, found) for target in targets[:jobs]]
    if given.get("profile") or "profile_output" in given:
        # Known at spawn time: a profiled child starts with -X importtime.
        plans = [{**plan, "profile": True} for plan in plans]
    return plans


def _speculate(
    argv: list[str], given: dict[str, object] | None
) -> list[tuple[dict[str, object], Spawned]]:
    """Start the children for what argv most likely asks, before anything heavy is imported."""
    plans = prescan(argv, given=given)
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
    _usable_streams()
    try:
        _main()
    except KeyboardInterrupt:
        # Ctrl+C before the check installed its own handler (during start-up): quietly.
        os._exit(130)


def _usable_streams() -> None:
    """Make descriptors 0-2 and sys.stdout/stderr safe to use, whatever we were given."""
    # A closed descriptor (`>&-`) would be taken by the next pipe or file we open, and the
    # report written into it: /dev/null takes its place, so a closed stdout is a reader
    # that has gone (the exit code stays the verdict) and a closed stderr hears nothing.
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            os.set_inheritable(fd, True)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 -- lives as long as we do
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 -- lives as long as we do
    for stream in (sys.stdout, sys.stderr):
        # A stream that cannot encode every character (PYTHONIOENCODING=ascii, LC_ALL=C)
        # writes escapes for the rest: an app's text must never crash the report.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["explain"]:
        from .explain import main as explain

        code = explain(argv[1:])
    else:
        code = _check(argv)
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 -- contextlib is not otherwise needed in this module
            stream.flush()
        except (OSError, ValueError):
            pass
    # Interpreter teardown would cost the user ~20% of the run for nothing.
    os._exit(code)


def _check(argv: list[str]) -> int:
    given = parse(argv)  # None: typer parses (help, errors, anything unusual)
    early = _speculate(argv, given)
    from . import _orphans

    subreaper = _orphans.become_subreaper()
    if given is not None:
        # The everyday command line: no typer import at all (~100 ms, see cliargs.py).
        from .command import guarded, run_checks

        code = guarded(lambda: run_checks(given, early), early)
    else:
        from .cli import run

        code = run(argv, early=early)
    if subreaper:
        _orphans.kill_orphans()
    return code


if __name__ == "__main__":
    main()

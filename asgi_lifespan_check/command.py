"""What a `lifespan-check` command line does once its parameters are known.

Both ways in end here: typer's parse (cli.py) and the entry point's plain-argv parse
(cliargs.py). `run_checks` resolves the settings, runs the checks, writes the outputs and
returns the exit code; it prints only through `notice` and the output writers.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, LifespanCheckError, SupervisorError, TargetError, UsageError

if TYPE_CHECKING:
    from .report import Report

PROFILE_TOP_DEFAULT = 10
_VIEWERS = {"speedscope": "https://www.speedscope.app", "chrome": "https://ui.perfetto.dev"}


def run_checks(given: dict[str, Any], early: Any = None) -> int:
    """Run the checks `given` (parameter name → value, as given on the command line)."""
    from .cliargs import to_config
    from .config import parse_percent
    from .settings import read_config, resolve

    cli = to_config(given)
    if "tolerance" in cli:
        try:
            cli["tolerance"] = parse_percent(cli["tolerance"])
        except ValueError:
            return usage_error(
                f"{cli['tolerance']!r} is not a percentage such as 20%", "'--tolerance'"
            )
    profile_output = given.get("profile_output")
    profile_format = given.get("profile_format")
    profile_top = int(given.get("profile_top", PROFILE_TOP_DEFAULT))
    try:
        config = read_config(os.getcwd(), given.get("config_file"), given.get("no_config", False))
        plan = resolve(cli, config)
        if profile_format is not None and profile_output is None:
            return usage_error("it needs --profile-output FILE", "'--profile-format'")
        if given.get("profile") or profile_output is not None:
            plan = _profiled(plan, profile_output)
        if profile_output is not None:
            from .settings import writable

            writable(
                ("--profile-output", profile_output),
                ("--json", plan.outputs.json),
                ("--junit-xml", plan.outputs.junit_xml),
            )
    except ConfigError as exc:
        notice(f"error: {exc}")
        return 2
    except TargetError as exc:
        return usage_error(str(exc), "TARGET")
    except _OptionError as exc:
        return usage_error(str(exc), exc.hint)
    except UsageError as exc:
        return usage_error(str(exc))
    export_format = None
    if profile_output is not None:
        from .export import format_for

        export_format = format_for(profile_output, profile_format)
    chosen = plan.outputs.format or default_format()

    def deadline_exit(report: Report) -> None:
        # In-process, a blocked main thread cannot return to us: report from here and go.
        from .results import Results

        os._exit(write_outputs(Results((report,)), plan, chosen, profile_top) or report.exit_code)

    from . import gate

    try:
        results = gate.run(plan, early=early, notice=notice, deadline_exit=deadline_exit)
    except UsageError as exc:
        return usage_error(str(exc))
    except KeyboardInterrupt:
        notice("stopped by a second Ctrl+C")
        return 130
    if plan.updates_its_baseline and results.exit_code != 0:
        # Saving a failed run over the baseline it failed against would pass the next one.
        notice(f"{plan.save_baseline} was not updated: the check failed against it")
    elif plan.save_baseline:
        try:
            _save_baseline(results, plan.save_baseline)
        except UsageError as exc:
            notice(f"error: {exc}")
            return 2
    if profile_output is not None and export_format is not None:
        _export(results.reports[0], profile_output, export_format)
    return write_outputs(results, plan, chosen, profile_top) or results.exit_code


def guarded(action: Callable[[], int], early: Any = None) -> int:
    """Run `action`, turning errors of the tool into an exit code and one paragraph; kill
    the children started early that no run adopted."""
    try:
        return action()
    except SupervisorError as exc:
        return internal_error(exc)
    except LifespanCheckError as exc:
        notice(f"error: {exc}")
        return 2
    except Exception as exc:
        return internal_error(exc)
    finally:
        if early:
            from ._spawn import discard

            for _, spawned in early:  # gate.py takes out the ones it adopts
                discard(spawned)


def internal_error(exc: BaseException) -> int:
    """A bug of ours: one paragraph on stderr, the traceback in a file, exit 70."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile(
        "w", prefix="lifespan-check-", suffix=".log", delete=False
    ) as log:
        traceback.print_exception(exc, file=log)
    notice(
        f"internal error: {type(exc).__name__}: {exc}. This is a bug in lifespan-check, not in "
        f"your app; the traceback is in {log.name}. Please report it."
    )
    return 70


class _OptionError(UsageError):
    """A bad combination of options, with the option to name in the message."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def usage_error(message: str, hint: str | None = None) -> int:
    """Print a usage error as one paragraph (typer's wording) and return exit code 2."""
    where = f"Invalid value for {hint}: " if hint else "Invalid value: "
    notice(f"error: {where}{message} (see 'lifespan-check --help')")
    return 2


def _profiled(plan: Any, output: str | None) -> Any:
    """The plan with --profile on for its targets (known to the early spawn as well)."""
    from dataclasses import replace

    if output is not None and len(plan.targets) > 1:
        raise _OptionError(
            f"it writes the profile of one target, and {len(plan.targets)} are to be checked; "
            "give one TARGET (use --profile alone to see every target's profile)",
            "'--profile-output'",
        )
    targets = tuple(
        replace(t, load=replace(t.load, profile=True), run=replace(t.run, profile=True))
        for t in plan.targets
    )
    return replace(plan, targets=targets)


def _export(report: Report, path: str, fmt: str) -> None:
    from .export import write

    try:
        write(report, path, fmt)
    except OSError as exc:
        notice(f"could not write the profile to {path}: {exc.strerror or exc}")
    else:
        notice(f"profile written to {path} ({fmt}; open it in {_VIEWERS[fmt]})")


def write_outputs(results: Any, plan: Any, fmt: str, top: int = PROFILE_TOP_DEFAULT) -> int:
    """Write the report where it goes; 2 when an output file cannot be written, 74 when
    stdout cannot."""
    import secrets

    from .findings import EXIT_IO
    from .outputs import plan_writes

    writes = plan_writes(
        results,
        fmt,
        json_file=plan.outputs.json,
        junit_file=plan.outputs.junit_xml,
        step_summary=os.environ.get("GITHUB_STEP_SUMMARY") or None,
        width=terminal_width(),
        token=secrets.token_hex(8),
        top=top,
        encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
    )
    failed = 0
    for write in writes:
        if write.to in ("stdout", "stderr"):
            stream = sys.stdout if write.to == "stdout" else sys.stderr
            try:
                stream.write(write.text)
                stream.flush()
            except BrokenPipeError:
                # The reader has gone (`| head`): the files are still written, and the
                # verdict still goes out as the exit code.
                _discard(stream)
            except OSError as exc:
                # A full disk or a failing device: no bug of ours, but the report is lost.
                _discard(stream)
                if write.to == "stdout":
                    notice(f"cannot write the report to stdout: {exc.strerror or exc}")
                    failed = failed or EXIT_IO
            continue
        try:
            if not write.best_effort:
                directory = os.path.dirname(os.path.abspath(write.to))
                os.makedirs(directory, exist_ok=True)
            with open(write.to, "a" if write.append else "w", encoding="utf-8") as handle:
                handle.write(write.text)
        except OSError as exc:
            problem = f"cannot write {write.what} to {write.to!r}: {exc.strerror or exc}"
            if write.best_effort:
                notice(f"warning: {problem}")
            else:
                notice(f"error: {problem}")
                failed = failed or 2
    return failed


def _discard(stream: Any) -> None:
    """Send what is left in `stream`'s buffer, and anything after it, nowhere."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _save_baseline(results: Any, path: str) -> None:
    from . import baseline
    from .gate import baseline_figures

    kept = baseline.existing(path)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(baseline.dump(baseline_figures(results), kept))
    except OSError as exc:
        raise UsageError(f"cannot write the baseline to {path!r}: {exc.strerror or exc}") from None


def notice(message: str) -> None:
    """A line for the human at the terminal, on stderr."""
    line = f"lifespan-check: {message}\n"
    # --no-isolate points fd 2 at a capture file while the app runs; notices bypass it.
    capture = sys.modules.get("asgi_lifespan_check.capture")
    fd = capture.terminal_stderr() if capture is not None else None
    with contextlib.suppress(OSError, ValueError):
        if fd is not None:
            os.write(fd, line.encode())
        else:
            sys.stderr.write(line)
            sys.stderr.flush()


def default_format() -> str:
    forced = os.environ.get("FORCE_COLOR")
    if forced not in (None, "", "0"):
        return "rich"
    return "rich" if sys.stdout.isatty() else "text"


def terminal_width() -> int | None:
    """The terminal's width; COLUMNS when stdout is not a terminal, or one that reports a
    width of 0 (a pseudo-terminal nobody sized, as under `script`)."""
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    env = os.environ.get("COLUMNS", "")
    return int(env) if env.isdigit() and int(env) > 0 else None

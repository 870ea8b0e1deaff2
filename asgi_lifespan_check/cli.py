"""The command line: options in, report out, exit code. No protocol logic lives here."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from . import findings
from ._version import __version__
from .errors import LifespanCheckError, SupervisorError, UsageError
from .report import Report

# One line per paragraph: typer's help keeps source line breaks.
EXIT_CODES_HELP = (
    "Exit codes: 0 passed (warnings allowed); 1 the app failed a check; 2 usage error; "
    "3 the target could not be loaded; 4 a hang (startup, shutdown or import timeout); "
    "5 the app's process crashed; 70 internal error of lifespan-check; 130 interrupted."
)

HELP = (
    "Drive the ASGI lifespan of each TARGET (module:attribute, as for uvicorn), time every "
    "phase, and explain what went wrong. Without TARGET, the targets listed in "
    "[tool.lifespan-check] in pyproject.toml are checked.\n\n"
    "Explain a finding code with: lifespan-check explain LC103\n\n"
    + EXIT_CODES_HELP
    + "\n\nWith several targets the exit code is the worst of theirs, in this order: "
    "130 > 5 > 4 > 3 > 1 > 0."
)


class Format(StrEnum):
    rich = "rich"
    json = "json"
    junit = "junit"
    github = "github"
    text = "text"


class BudgetSeverity(StrEnum):
    error = "error"
    warning = "warning"


class Lifespan(StrEnum):
    auto = "auto"
    on = "on"


class Backend(StrEnum):
    asyncio = "asyncio"
    trio = "trio"


class ProfileFormat(StrEnum):
    speedscope = "speedscope"
    chrome = "chrome"


class Server(StrEnum):
    uvicorn = "uvicorn"
    hypercorn = "hypercorn"
    granian = "granian"
    asgi_lifespan = "asgi-lifespan"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lifespan-check {__version__}")
        raise typer.Exit(0)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


GATE = "CI gate"
PROFILING = "Profiling"


@app.command(help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
def main(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TARGET",
            show_default=False,
            help="The apps to check, as module:attribute (e.g. app.main:app). Default: "
            "targets from [tool.lifespan-check].",
        ),
    ] = None,
    app_dir: Annotated[
        str,
        typer.Option(
            "--app-dir",
            metavar="DIR",
            help="Directory put first on sys.path before importing TARGET.",
        ),
    ] = ".",
    env_file: Annotated[
        str | None,
        typer.Option(
            "--env-file",
            metavar="FILE",
            help="A .env file loaded into the environment before the import.",
        ),
    ] = None,
    factory: Annotated[
        bool,
        typer.Option(
            "--factory", metavar="", help="TARGET is a factory: call it with no arguments."
        ),
    ] = False,
    startup_timeout: Annotated[
        float,
        typer.Option(
            "--startup-timeout", metavar="SECONDS", help="Fail with LC103 if startup takes longer."
        ),
    ] = 60.0,
    shutdown_timeout: Annotated[
        float,
        typer.Option(
            "--shutdown-timeout",
            metavar="SECONDS",
            help="Fail with LC203 if shutdown takes longer.",
        ),
    ] = 30.0,
    import_timeout: Annotated[
        float,
        typer.Option(
            "--import-timeout",
            metavar="SECONDS",
            help="Fail with LC007 if importing TARGET takes longer (isolated runs).",
        ),
    ] = 60.0,
    hold: Annotated[
        float,
        typer.Option(
            "--hold",
            metavar="SECONDS",
            help="Let the app run this long between startup and shutdown.",
        ),
    ] = 0.0,
    lifespan: Annotated[
        Lifespan,
        typer.Option(
            "--lifespan",
            help="'on': an app without lifespan support fails (as uvicorn "
            "--lifespan on); 'auto': it is a warning.",
        ),
    ] = Lifespan.auto,
    backend: Annotated[
        Backend, typer.Option("--backend", help="The async library to run the app on.")
    ] = Backend.asyncio,
    emulate: Annotated[
        Server | None,
        typer.Option(
            "--emulate",
            show_default=False,
            help="Drive the lifespan the way this server does: its scope, its state "
            "handling, the errors its send() raises into the app.",
        ),
    ] = None,
    state: Annotated[
        bool,
        typer.Option(
            "--state/--no-state",
            help="Give the app a scope['state'] (default), or none, as servers without "
            "lifespan state support do (LC407 if the app needs it).",
        ),
    ] = True,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            show_default=False,
            help="Report format (default: rich on a terminal, else text).",
        ),
    ] = None,
    isolate: Annotated[
        bool,
        typer.Option(
            "--isolate/--no-isolate",
            metavar="",
            help="Run the app in a child interpreter (default), or in-process "
            "(fastest, debugger-friendly, but cannot survive crashes or end a "
            "blocked loop at its deadline).",
        ),
    ] = True,
    block_threshold: Annotated[
        float,
        typer.Option(
            "--block-threshold",
            metavar="SECONDS",
            help="Report the event loop as blocked (LC104) past this long.",
        ),
    ] = 0.25,
    config_file: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="FILE",
            show_default=False,
            help="Read [tool.lifespan-check] from FILE instead of the pyproject.toml found "
            "from the current directory upwards.",
            rich_help_panel=GATE,
        ),
    ] = None,
    no_config: Annotated[
        bool,
        typer.Option(
            "--no-config", help="Ignore [tool.lifespan-check] entirely.", rich_help_panel=GATE
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            show_default=False,
            help="Run up to N checks at once, each in its own process (default: CPU count).",
            rich_help_panel=GATE,
        ),
    ] = None,
    repeat: Annotated[
        int,
        typer.Option(
            "--repeat",
            metavar="N",
            min=1,
            help="Run each check N times, each in a fresh process: min/median/max per phase, "
            "budgets on the median, LC511 when the verdicts differ.",
            rich_help_panel=GATE,
        ),
    ] = 1,
    max_import: Annotated[
        float | None,
        typer.Option(
            "--max-import",
            metavar="SECONDS",
            min=0,
            show_default=False,
            help="Budget for the import (and factory call): LC501 when over.",
            rich_help_panel=GATE,
        ),
    ] = None,
    max_startup: Annotated[
        float | None,
        typer.Option(
            "--max-startup",
            metavar="SECONDS",
            min=0,
            show_default=False,
            help="Budget for the startup: LC502 when over.",
            rich_help_panel=GATE,
        ),
    ] = None,
    max_shutdown: Annotated[
        float | None,
        typer.Option(
            "--max-shutdown",
            metavar="SECONDS",
            min=0,
            show_default=False,
            help="Budget for the shutdown: LC503 when over.",
            rich_help_panel=GATE,
        ),
    ] = None,
    max_total: Annotated[
        float | None,
        typer.Option(
            "--max-total",
            metavar="SECONDS",
            min=0,
            show_default=False,
            help="Budget for import + startup + shutdown: LC504 when over.",
            rich_help_panel=GATE,
        ),
    ] = None,
    budget_severity: Annotated[
        BudgetSeverity,
        typer.Option(
            "--budget-severity",
            help="Severity of budget and baseline findings (LC501-LC505).",
            rich_help_panel=GATE,
        ),
    ] = BudgetSeverity.error,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            show_default=False,
            help="Compare with the phase times saved in FILE: LC505 for a phase slower by "
            "more than --tolerance and --baseline-floor.",
            rich_help_panel=GATE,
        ),
    ] = None,
    save_baseline: Annotated[
        str | None,
        typer.Option(
            "--save-baseline",
            metavar="FILE",
            show_default=False,
            help="Save this run's phase times (medians with --repeat) to FILE.",
            rich_help_panel=GATE,
        ),
    ] = None,
    tolerance: Annotated[
        str,
        typer.Option(
            "--tolerance",
            metavar="PERCENT",
            help="How much slower than the baseline a phase may get, e.g. 20%.",
            rich_help_panel=GATE,
        ),
    ] = "20%",
    baseline_floor: Annotated[
        float,
        typer.Option(
            "--baseline-floor",
            metavar="SECONDS",
            min=0,
            help="A phase must also be this much slower than the baseline to count.",
            rich_help_panel=GATE,
        ),
    ] = 0.05,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict/--no-strict",
            help="Warnings fail the check too (exit 1).",
            rich_help_panel=GATE,
        ),
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="CODES",
            show_default=False,
            help="Finding codes to ignore, comma-separated (repeatable). Ignored findings are "
            "still listed as ignored in JSON.",
            rich_help_panel=GATE,
        ),
    ] = None,
    json_file: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="FILE",
            show_default=False,
            help="Also write the JSON report to FILE.",
            rich_help_panel=GATE,
        ),
    ] = None,
    junit_xml: Annotated[
        str | None,
        typer.Option(
            "--junit-xml",
            metavar="FILE",
            show_default=False,
            help="Also write a JUnit XML report to FILE.",
            rich_help_panel=GATE,
        ),
    ] = None,
    probe: Annotated[
        list[str] | None,
        typer.Option(
            "--probe",
            metavar="'METHOD /PATH'",
            show_default=False,
            help="Between startup and shutdown, send this request through the app in memory "
            "(repeatable): LC510 when it fails.",
            rich_help_panel=GATE,
        ),
    ] = None,
    probe_status: Annotated[
        str | None,
        typer.Option(
            "--probe-status",
            metavar="STATUS",
            show_default=False,
            help="Statuses a probe may answer, e.g. 200 or 200,204 or 2xx (default: any 2xx "
            "or 3xx).",
            rich_help_panel=GATE,
        ),
    ] = None,
    probe_timeout: Annotated[
        float,
        typer.Option(
            "--probe-timeout",
            metavar="SECONDS",
            min=0,
            help="How long each probe may take.",
            rich_help_panel=GATE,
        ),
    ] = 10.0,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Show where the time goes: the target's import (by module and by "
            "distribution), startup and shutdown per function of your code (CPU, blocked, "
            "awaiting), and a timeline.",
            rich_help_panel=PROFILING,
        ),
    ] = False,
    profile_output: Annotated[
        str | None,
        typer.Option(
            "--profile-output",
            metavar="FILE",
            show_default=False,
            help="Write the profile to FILE (implies --profile): speedscope JSON, or Chrome "
            "trace events for Perfetto when FILE ends in .trace.json or .trace.",
            rich_help_panel=PROFILING,
        ),
    ] = None,
    profile_format: Annotated[
        ProfileFormat | None,
        typer.Option(
            "--profile-format",
            show_default=False,
            help="Format of --profile-output, whatever its name says.",
            rich_help_panel=PROFILING,
        ),
    ] = None,
    profile_top: Annotated[
        int,
        typer.Option(
            "--profile-top",
            metavar="N",
            min=1,
            help="How many entries each profile table and the timeline show.",
            rich_help_panel=PROFILING,
        ),
    ] = 10,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="CODE",
            show_default=False,
            help="Explain a finding code (or 'all' to list them) and exit.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            callback=_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    if explain is not None:
        raise typer.Exit(_explain(explain))
    from .errors import ConfigError, TargetError
    from .settings import read_config, resolve

    cli = _typed(ctx, locals())
    config = read_config(os.getcwd(), config_file, no_config)
    try:
        plan = resolve(cli, config)
    except ConfigError:
        raise
    except TargetError as exc:
        raise typer.BadParameter(str(exc), param_hint="TARGET") from None
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    if profile_format is not None and profile_output is None:
        raise typer.BadParameter("it needs --profile-output FILE", param_hint="--profile-format")
    export_format = None
    if profile or profile_output is not None:
        plan = _profiled(plan, profile_output)
    if profile_output is not None:
        from .export import format_for

        export_format = format_for(profile_output, profile_format and profile_format.value)
    chosen = plan.outputs.format or _default_format()

    def deadline_exit(report: Report) -> None:
        # In-process, a blocked main thread cannot return to us: report from here and go.
        from .results import Results

        _write_outputs(Results((report,)), plan, chosen, profile_top)
        os._exit(report.exit_code)

    from . import gate

    try:
        results = gate.run(
            plan,
            early=(ctx.obj or {}).get("early"),
            notice=_notice,
            deadline_exit=deadline_exit,
        )
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    except KeyboardInterrupt:
        _notice("stopped by a second Ctrl+C")
        raise typer.Exit(130) from None
    if plan.save_baseline:
        _save_baseline(results, plan.save_baseline)
    if profile_output is not None and export_format is not None:
        _export(results.reports[0], profile_output, export_format)
    raise typer.Exit(_write_outputs(results, plan, chosen, profile_top) or results.exit_code)


def _profiled(plan: Any, output: str | None) -> Any:
    """The plan with --profile on for its targets (known to the early spawn as well)."""
    from dataclasses import replace

    if output is not None and len(plan.targets) > 1:
        raise typer.BadParameter(
            f"it writes the profile of one target, and {len(plan.targets)} are to be checked; "
            "give one TARGET (use --profile alone to see every target's profile)",
            param_hint="--profile-output",
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
        _notice(f"could not write the profile to {path}: {exc.strerror or exc}")
    else:
        _notice(f"profile written to {path} ({fmt}; open it in {_VIEWERS[fmt]})")


_VIEWERS = {"speedscope": "https://www.speedscope.app", "chrome": "https://ui.perfetto.dev"}


# Typed options → config keys (the file's names), for the settings' precedence rules.
_CONFIG_KEYS = {
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


def _typed(ctx: typer.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (not defaulted), keyed by config names."""
    from .config import parse_percent
    from .settings import split_codes

    out: dict[str, Any] = {}
    for name, key in _CONFIG_KEYS.items():
        source = ctx.get_parameter_source(name)
        # typer vendors click, so compare by name rather than import its enum.
        if source is None or source.name != "COMMANDLINE":
            continue
        value = values[name]
        if isinstance(value, StrEnum):
            value = value.value
        if key == "tolerance":
            try:
                value = parse_percent(value)
            except ValueError:
                raise typer.BadParameter(
                    f"{value!r} is not a percentage such as 20%", param_hint="--tolerance"
                ) from None
        elif key == "ignore":
            value = split_codes(value or [])
        elif key in ("targets", "probe"):
            value = tuple(value or ())
        elif key == "probe-status":
            value = (value,)
        out[key] = value
    return out


def _write_outputs(results: Any, plan: Any, fmt: str, top: int = 10) -> int:
    """Write the report where it goes; 2 when an output file cannot be written."""
    import secrets

    from .outputs import plan_writes

    writes = plan_writes(
        results,
        fmt,
        json_file=plan.outputs.json,
        junit_file=plan.outputs.junit_xml,
        step_summary=os.environ.get("GITHUB_STEP_SUMMARY") or None,
        width=_width(),
        token=secrets.token_hex(8),
        top=top,
    )
    failed = 0
    for write in writes:
        if write.to in ("stdout", "stderr"):
            stream = sys.stdout if write.to == "stdout" else sys.stderr
            stream.write(write.text)
            stream.flush()
            continue
        try:
            directory = os.path.dirname(os.path.abspath(write.to))
            os.makedirs(directory, exist_ok=True)
            with open(write.to, "a" if write.append else "w", encoding="utf-8") as handle:
                handle.write(write.text)
        except OSError as exc:
            _notice(f"error: cannot write {write.what} to {write.to!r}: {exc.strerror or exc}")
            failed = 2
    return failed


def _save_baseline(results: Any, path: str) -> None:
    from . import baseline
    from .gate import baseline_figures

    existing = baseline.read(path) if os.path.exists(path) else None
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(baseline.dump(baseline_figures(results), existing))
    except OSError as exc:
        raise UsageError(f"cannot write the baseline to {path!r}: {exc.strerror or exc}") from None


def _notice(message: str) -> None:
    # Straight to the descriptor we started with: --no-isolate points fd 2 at a capture
    # file while the app runs, and our notices are not the app's output.
    with contextlib.suppress(OSError):
        os.write(_TERMINAL_STDERR, f"lifespan-check: {message}\n".encode())


def _dup_stderr() -> int:
    try:
        return os.dup(2)
    except OSError:  # started with stderr closed
        return 2


# A duplicate of stderr taken before any capture (see _notice).
_TERMINAL_STDERR = _dup_stderr()


def _default_format() -> str:
    forced = os.environ.get("FORCE_COLOR")
    if forced not in (None, "", "0"):
        return "rich"
    return "rich" if sys.stdout.isatty() else "text"


def _width() -> int | None:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        columns = os.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() else None


def _explain(code: str) -> int:
    if code.lower() == "all":
        for known in findings.CATALOGUE.values():
            typer.echo(f"{known.code}  {known.severity:<7}  {known.title}")
        typer.echo("\nRun 'lifespan-check explain CODE' for the full explanation of one code.")
        return 0
    entry = findings.lookup(code)
    if entry is None:
        codes = ", ".join(findings.CATALOGUE)
        typer.echo(f"lifespan-check: unknown finding code {code!r}; known codes: {codes}", err=True)
        return 2
    typer.echo(f"{entry.code} · {entry.title} · default severity: {entry.severity}")
    if entry.outcome:
        outcome = entry.outcome.replace("<phase>-timeout", "startup-timeout or shutdown-timeout")
        typer.echo(f"When it is the first error: outcome {outcome}, exit code {entry.exit_code}.")
    typer.echo("")
    typer.echo(entry.explanation)
    return 0


def run(argv: list[str], early: Any = None) -> int:
    """Run the CLI on `argv`; return the exit code (the entry point exits with it).

    `early` lists (plan, spawned) for the children the entry point started before parsing.
    """
    from ._fastparse import install

    command = typer.main.get_command(app)
    install(command)  # keeps pydantic out of the parse: see _fastparse.py
    try:
        result = command.main(
            args=argv,
            prog_name="lifespan-check",
            standalone_mode=False,
            obj={"early": early},
        )
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _notice("aborted")
        return 130
    except typer.exceptions.TyperException as exc:
        return _usage_error(exc)
    except SupervisorError as exc:
        return _internal_error(exc)
    except LifespanCheckError as exc:
        _notice(f"error: {exc}")
        return 2
    except Exception as exc:
        return _internal_error(exc)
    finally:
        if early:
            from ._spawn import discard

            for _, spawned in early:  # those not adopted by a run (gate.py takes them out)
                discard(spawned)
    return result if isinstance(result, int) else 0


def _usage_error(exc: Exception) -> int:
    """A usage error as one paragraph: no usage dump, no box (typer's default has both)."""
    format_message = getattr(exc, "format_message", None)
    message = str(format_message() if callable(format_message) else exc)
    # Validation messages come from pydantic inside typer; its prefix means nothing here.
    message = message.replace("Value error, ", "")
    if message:  # empty after --help was shown for a bare `lifespan-check`
        _notice(f"error: {message} (see 'lifespan-check --help')")
    return int(getattr(exc, "exit_code", 2))


def _internal_error(exc: BaseException) -> int:
    with tempfile.NamedTemporaryFile(
        "w", prefix="lifespan-check-", suffix=".log", delete=False
    ) as log:
        traceback.print_exception(exc, file=log)
    _notice(
        f"internal error: {type(exc).__name__}: {exc}. This is a bug in lifespan-check, not in "
        f"your app; the traceback is in {Path(log.name)}. Please report it."
    )
    return 70

"""The command line: options in, report out, exit code. No protocol logic lives here."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from ._version import __version__
from .command import guarded, notice

# typer renders help as rich markup, where "[tool.lifespan-check]" would be read as a tag
# and vanish: the opening bracket is escaped.
TABLE = "\\[tool.lifespan-check]"

# One line per paragraph: typer's help keeps source line breaks.
EXIT_CODES_HELP = (
    "Exit codes: 0 passed (warnings allowed); 1 the app failed a check; 2 usage error; "
    "3 the target could not be loaded; 4 a hang (startup, shutdown or import timeout); "
    "5 the app's process crashed; 70 internal error of lifespan-check; 74 the report could "
    "not be written; 130 interrupted."
)

HELP = (
    "Drive the ASGI lifespan of each TARGET (module:attribute, as for uvicorn), time every "
    "phase, and explain what went wrong. Without TARGET, the targets listed in "
    f"{TABLE} in pyproject.toml are checked.\n\n"
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
            f"targets from {TABLE}.",
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
            metavar="",
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
            help=f"Read {TABLE} from FILE instead of the pyproject.toml found "
            "from the current directory upwards.",
            rich_help_panel=GATE,
        ),
    ] = None,
    no_config: Annotated[
        bool,
        typer.Option(
            "--no-config",
            help=f"Ignore {TABLE} entirely.",
            rich_help_panel=GATE,
            metavar="",
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
            metavar="",
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
            help="How long each probe may take.",
            rich_help_panel=GATE,
        ),
    ] = 10.0,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            metavar="",
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
        from .explain import main as explain_codes

        raise typer.Exit(explain_codes([explain]))
    from .command import run_checks

    raise typer.Exit(run_checks(given_parameters(ctx), (ctx.obj or {}).get("early")))


def given_parameters(ctx: typer.Context) -> dict[str, Any]:
    """The parameters given on the command line (not defaulted), with plain values: the
    same shape cliargs.parse() gives for the command lines it handles itself."""
    given: dict[str, Any] = {}
    for name, raw in ctx.params.items():
        source = ctx.get_parameter_source(name)
        # typer vendors click, so compare by name rather than import its enum.
        if source is None or source.name != "COMMANDLINE":
            continue
        if isinstance(raw, StrEnum):
            given[name] = raw.value
        elif isinstance(raw, tuple | list):
            given[name] = list(raw)
        else:
            given[name] = raw
    return given


def run(argv: list[str], early: Any = None) -> int:
    """Run the CLI on `argv` through typer; return the exit code (the entry point exits).

    `early` lists (plan, spawned) for the children the entry point started before parsing.
    """
    return guarded(lambda: _run_typer(argv, early), early)


def _run_typer(argv: list[str], early: Any) -> int:
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
        notice("aborted")
        return 130
    except typer.exceptions.TyperException as exc:
        return _usage_error(exc)
    return result if isinstance(result, int) else 0


def _usage_error(exc: Exception) -> int:
    """A usage error as one paragraph: no usage dump, no box (typer's default has both)."""
    format_message = getattr(exc, "format_message", None)
    message = str(format_message() if callable(format_message) else exc)
    if message:  # empty after --help was shown for a bare `lifespan-check`
        notice(f"error: {message} (see 'lifespan-check --help')")
    return int(getattr(exc, "exit_code", 2))

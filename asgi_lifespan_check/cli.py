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
from .api import execute
from .errors import LifespanCheckError, SupervisorError, UsageError
from .report import Report
from .targets import parse_target

# One line per paragraph: typer's help keeps source line breaks.
EXIT_CODES_HELP = (
    "Exit codes: 0 passed (warnings allowed); 1 the app failed a check; 2 usage error; "
    "3 the target could not be loaded; 4 a hang (startup, shutdown or import timeout); "
    "5 the app's process crashed; 70 internal error of lifespan-check; 130 interrupted."
)

HELP = (
    "Drive the ASGI lifespan of TARGET (module:attribute, as for uvicorn), time every phase, "
    "and explain what went wrong.\n\n"
    "Explain a finding code with: lifespan-check explain LC103\n\n" + EXIT_CODES_HELP
)


class Format(StrEnum):
    rich = "rich"
    json = "json"
    text = "text"


class Lifespan(StrEnum):
    auto = "auto"
    on = "on"


class Backend(StrEnum):
    asyncio = "asyncio"
    trio = "trio"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lifespan-check {__version__}")
        raise typer.Exit(0)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command(
    help=HELP, context_settings={"help_option_names": ["-h", "--help"]}, no_args_is_help=True
)
def main(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="TARGET",
            show_default=False,
            help="The app to check, as module:attribute (e.g. app.main:app).",
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
    if target is None:
        raise typer.BadParameter("a TARGET such as app.main:app is required", param_hint="TARGET")
    try:
        parse_target(target)
    except UsageError as exc:
        raise typer.BadParameter(str(exc), param_hint="TARGET") from None
    if env_file is not None and not os.path.isfile(env_file):
        raise typer.BadParameter(
            f"{env_file!r} does not exist or is not a file", param_hint="--env-file"
        )
    if not os.path.isdir(app_dir):
        raise typer.BadParameter(f"{app_dir!r} is not a directory", param_hint="--app-dir")

    from .options import DriveOptions, LoadOptions, RunOptions

    load = LoadOptions(
        target=target,
        app_dir=app_dir,
        env_file=env_file,
        factory=factory,
        import_timeout=import_timeout,
    )
    run = RunOptions(
        backend=backend.value,
        block_threshold=block_threshold,
        drive=DriveOptions(
            startup_timeout=startup_timeout,
            shutdown_timeout=shutdown_timeout,
            hold=hold,
            lifespan=lifespan.value,
        ),
    )
    chosen = fmt.value if fmt is not None else _default_format()
    prespawned = _adopt((ctx.obj or {}).get("early"), load) if isolate else None

    def deadline_exit(report: Report) -> None:
        # In-process, a blocked main thread cannot return to us: report from here and go.
        _emit(report, chosen)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        os._exit(report.exit_code)

    try:
        report = execute(
            load,
            run,
            isolate=isolate,
            prespawned=prespawned,
            capture_output=not isolate,
            notice=_notice,
            deadline_exit=None if isolate else deadline_exit,
        )
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    except KeyboardInterrupt:
        _notice("stopped by a second Ctrl+C")
        raise typer.Exit(130) from None
    _emit(report, chosen)
    raise typer.Exit(report.exit_code)


def _emit(report: Report, fmt: str) -> None:
    from .render import render

    text = render(report, fmt, width=_width())
    sys.stdout.write(text + "\n" if fmt == "json" else text)


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


def _adopt(early: Any, load: Any) -> Any:
    """The child started early by the entry point, if it is loading what we want."""
    if early is None:
        return None
    from .isolate import Child
    from .options import LoadOptions

    plan, spawned = early
    if LoadOptions(**plan) != load:
        return None  # run() kills it at the end
    return Child(load, spawned=spawned)


def run(argv: list[str], early: Any = None) -> int:
    """Run the CLI on `argv`; return the exit code (the entry point exits with it).

    `early` is (plan, spawned) when the entry point started a child before parsing.
    """
    command = typer.main.get_command(app)
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
        if early is not None:
            from ._spawn import discard

            discard(early[1])
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

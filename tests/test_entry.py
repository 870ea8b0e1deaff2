"""The installed entry points as real subprocesses: `lifespan-check` and `python -m`."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import APPS, BIN, Run, marker, phase, run_cli

OK = "ok:app"
RAISES = "startup_raises:app"


@pytest.mark.parametrize(
    ("target", "exit_code", "outcome"),
    [pytest.param(OK, 0, "ok", id="ok"), pytest.param(RAISES, 1, "startup-failed", id="fails")],
)
def test_console_script_prints_one_json_document_and_exits_with_its_code(
    target: str, exit_code: int, outcome: str
) -> None:
    """`lifespan-check --format json` prints exactly one JSON document and exits with its code."""
    run = run_cli(["--app-dir", "tests/apps", target])
    assert run.rc == exit_code
    assert run.report["exit_code"] == exit_code
    assert run.report["outcome"] == outcome
    assert run.report["target"] == target
    assert run.stdout.endswith("}\n")


def test_python_dash_m_runs_the_same_command() -> None:
    """`python -m asgi_lifespan_check` gives the same report and status as the script."""
    run = run_cli(["--app-dir", "tests/apps", RAISES], module=True)
    assert run.rc == 1
    assert run.report["outcome"] == "startup-failed"
    assert run.codes == ["LC101"]
    assert run.finding("LC101")["location"]["line"] == marker("startup_raises", "raise")


def test_explain_subcommand_prints_the_explanation() -> None:
    """`lifespan-check explain LC103` works as a subcommand beside the main form."""
    run = run_cli(["explain", "LC103"], json_output=False)
    assert run.rc == 0
    assert run.stdout.startswith("LC103 · Startup timed out")
    assert "How to fix" in run.stdout


def test_explain_without_a_code_lists_the_codes() -> None:
    """`lifespan-check explain` alone lists every code."""
    run = run_cli(["explain"], json_output=False)
    assert run.rc == 0
    assert "LC101" in run.stdout
    assert "LC602" in run.stdout


def test_explain_takes_several_codes_in_any_case() -> None:
    """`explain lc101 LC203` explains both, in the order asked."""
    run = run_cli(["explain", "lc101", "LC203"], json_output=False)
    assert run.rc == 0
    assert run.stdout.index("LC101 · ") < run.stdout.index("LC203 · ")


def test_explain_as_json_is_one_document_of_the_codes_asked() -> None:
    """`explain -f json LC103` prints a JSON array with the code's fields, for tooling."""
    run = run_cli(["explain", "-f", "json", "LC103"], json_output=False)
    assert run.rc == 0
    [entry] = json.loads(run.stdout)
    assert entry["code"] == "LC103"
    assert entry["severity"] == "error"
    assert entry["outcome"] == "startup-timeout"
    assert entry["exit_code"] == 4
    assert "How to fix" in entry["explanation"]
    every = json.loads(run_cli(["explain", "--format=json"], json_output=False).stdout)
    assert len(every) == len({e["code"] for e in every}) > 40


def test_explain_help_describes_the_subcommand() -> None:
    """`explain --help` is the subcommand's help, not an unknown code."""
    run = run_cli(["explain", "--help"], json_output=False)
    assert run.rc == 0
    assert run.stdout.startswith("Usage: lifespan-check explain [CODE...]")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["LC999"], "unknown finding code 'LC999'; known codes: LC002", id="code"),
        pytest.param(["-x"], "explain has no option '-x'", id="option"),
        pytest.param(["-f", "yaml"], "--format takes text or json, not 'yaml'", id="format"),
    ],
)
def test_bad_explain_arguments_are_usage_errors(args: list[str], message: str) -> None:
    """A bad code or option is one line on stderr and exit 2."""
    run = run_cli(["explain", *args], json_output=False)
    assert run.rc == 2
    assert run.stdout == ""
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def _bash(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        executable="/bin/bash",
    )


def test_explain_piped_into_a_reader_that_is_gone_is_quiet() -> None:
    """`explain | true`: the reader exits before the command writes (it needs tens of ms
    to start), so the write meets a closed pipe: no traceback, exit 0."""
    proc = _bash(f"'{BIN}' explain all | true; exit ${{PIPESTATUS[0]}}")
    assert proc.stderr == ""
    assert proc.returncode == 0


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_report_piped_into_a_reader_that_is_gone_keeps_the_verdict(
    fmt: str, isolation: str, tmp_path: Path
) -> None:
    """`lifespan-check ... | true`: stdout is closed before the report is written. The exit
    code is still the check's verdict, files are still written, and nothing is printed
    about the pipe (it is no error of the tool)."""
    saved = tmp_path / "report.json"
    command = (
        f"'{BIN}' {isolation} --app-dir '{APPS}' -f {fmt} --json '{saved}' {RAISES} | true; "
        "exit ${PIPESTATUS[0]}"
    )
    proc = _bash(command)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(saved.read_text())["outcome"] == "startup-failed"


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
def test_a_closed_stdout_is_a_reader_that_has_gone(isolation: str, tmp_path: Path) -> None:
    """`lifespan-check ... >&-`: as with a closed pipe, the exit code is the verdict, the
    --json file is written, and nothing is printed about it."""
    saved = tmp_path / "report.json"
    proc = _bash(f"'{BIN}' {isolation} --app-dir '{APPS}' --json '{saved}' {RAISES} >&-")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert json.loads(saved.read_text())["outcome"] == "startup-failed"


@pytest.mark.parametrize("isolation", ["--isolate", "--no-isolate"])
def test_a_closed_stderr_changes_nothing_on_stdout(isolation: str) -> None:
    """`lifespan-check ... 2>&-`: the descriptor is not reused for our own pipes or files,
    so the report on stdout and the exit code are those of a normal run."""
    proc = _bash(f"'{BIN}' {isolation} --app-dir '{APPS}' -f json {OK} 2>&-")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["outcome"] == "ok"


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


@needs_dev_full
def test_a_full_stdout_is_exit_74_in_one_line(tmp_path: Path) -> None:
    """`>/dev/full`: the report is lost through no fault of ours, so one line says why and
    the exit code is 74 (EX_IOERR), not "internal error"; the --json file is written."""
    saved = tmp_path / "report.json"
    proc = _bash(f"'{BIN}' --app-dir '{APPS}' --json '{saved}' {RAISES} >/dev/full")
    assert proc.returncode == 74
    assert proc.stderr == (
        "lifespan-check: cannot write the report to stdout: No space left on device\n"
    )
    assert json.loads(saved.read_text())["outcome"] == "startup-failed"


@needs_dev_full
def test_explain_on_a_full_stdout_is_exit_74_in_one_line() -> None:
    """`explain >/dev/full` is the same I/O error: one line and exit 74, no traceback."""
    proc = _bash(f"'{BIN}' explain all >/dev/full")
    assert proc.returncode == 74
    assert proc.stderr == "lifespan-check: cannot write to stdout: No space left on device\n"


@needs_dev_full
def test_a_full_stderr_keeps_the_report_and_the_verdict() -> None:
    """`2>/dev/full` loses only the human summary: the JSON on stdout and the exit code
    are those of a normal run."""
    proc = _bash(f"'{BIN}' --app-dir '{APPS}' -f json {RAISES} 2>/dev/full")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["outcome"] == "startup-failed"


def test_version_through_the_entry_point() -> None:
    """`lifespan-check --version` prints the version and exits 0."""
    run = run_cli(["--version"], json_output=False)
    assert run.rc == 0
    assert run.stdout.startswith("lifespan-check ")


def test_malformed_target_exits_2_without_a_report() -> None:
    """A malformed target through the entry point exits 2, prints nothing on stdout."""
    run = run_cli(["--format", "json", "app"], json_output=False)
    assert run.rc == 2
    assert run.stdout == ""
    assert "there is no ':'" in " ".join(run.stderr.replace("│", " ").split())


def test_missing_env_file_exits_2_through_the_entry_point() -> None:
    """A missing --env-file exits 2 through the entry point too, with no report."""
    run = run_cli(["--format", "json", "--env-file", "missing.env", OK], json_output=False)
    assert run.rc == 2
    assert run.stdout == ""
    assert "missing.env" in run.stderr


def test_app_dir_defaults_to_the_working_directory() -> None:
    """Without --app-dir the target is imported from the current directory, as uvicorn does."""
    run = run_cli([OK], cwd=APPS)
    assert run.rc == 0
    assert run.report["outcome"] == "ok"


def test_relative_app_dir_is_resolved_from_the_working_directory(tmp_path: Path) -> None:
    """A relative --app-dir is taken from the working directory, like any relative path."""
    assert run_cli(["--app-dir", "tests/apps", "pkg_demo.main:app"]).rc == 0
    assert run_cli(["--app-dir", "apps", "pkg_demo.main:app"], cwd=APPS.parent).rc == 0
    elsewhere = run_cli(["--app-dir", "tests/apps", OK], cwd=tmp_path, json_output=False)
    assert elsewhere.rc == 2
    assert "tests/apps" in elsewhere.stderr


def test_app_dir_comes_first_on_sys_path(tmp_path: Path) -> None:
    """A module in --app-dir wins over a module of the same name in the working directory."""
    (tmp_path / "ok.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await receive()\n"
        "    await send({'type': 'lifespan.startup.failed', 'message': 'the wrong ok.py'})\n"
    )
    assert run_cli([OK], cwd=tmp_path).report["outcome"] == "startup-failed"
    run = run_cli(["--app-dir", str(APPS), OK], cwd=tmp_path)
    assert run.rc == 0
    assert run.report["outcome"] == "ok"


def test_env_file_is_loaded_before_the_import(tmp_path: Path) -> None:
    """--env-file sets variables before the app module reads them at import time."""
    env_file = tmp_path / "app.env"
    env_file.write_text("# settings for the test\nLC_TEST_GREETING=hello-from-env\n")
    run = run_cli(["--app-dir", str(APPS), "--env-file", "app.env", "env_app:app"], cwd=tmp_path)
    assert run.rc == 0, run.codes
    assert "greeting=hello-from-env" in run.report["output"]["stdout"]


def test_factory_is_called_and_timed() -> None:
    """--factory calls the target and reports a timed "factory" phase."""
    run = run_cli(["--app-dir", str(APPS), "--factory", "factories:create_app"])
    assert run.rc == 0
    factory = phase(run.report, "factory")
    assert factory["status"] == "ok"
    assert factory["duration_s"] >= 0.2


def test_hold_adds_a_running_phase() -> None:
    """--hold keeps the app running and reports a timed "running" phase."""
    run = run_cli(["--app-dir", str(APPS), "--hold", "0.2", OK])
    assert run.rc == 0
    running = phase(run.report, "running")
    assert running["status"] == "ok"
    assert running["duration_s"] >= 0.2


@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_app_output_never_reaches_stdout(isolate: str) -> None:
    """An app printing to stdout and stderr leaves stdout one JSON document; its output is kept."""
    run = run_cli([isolate, "--app-dir", str(APPS), "noisy:app"])
    assert run.rc == 0
    output = run.report["output"]
    assert output["stdout"] == (
        'noisy: importing the app module\n{"not": "the report"}\nnoisy: bye\n'
    )
    assert "noisy: import-time warning" in output["stderr"]
    assert "noisy: startup on stderr" in output["stderr"]
    # stderr carries only our summary (it names the target "noisy:app"), never the app's lines.
    assert "noisy: " not in run.stderr
    assert run.stderr.startswith("lifespan-check: noisy:app passed")


# The same verdicts in-process ---------------------------------------------------------

NON_CRASH = [
    (OK,),
    (RAISES,),
    ("startup_failed_message:app",),
    ("startup_hang:app", "--startup-timeout", "0.3"),
    ("protocol_duplicate:app",),
    ("lifespan_unsupported:app",),
    ("dies_while_running:app", "--hold", "0.3"),
    ("import_raises:app",),
]


def verdict(run: Run) -> tuple[object, ...]:
    """What must not depend on isolation: status, outcome, codes and locations."""
    locations = [
        (f["code"], f["location"]["line"] if f["location"] else None)
        for f in run.report["findings"]
    ]
    return (run.rc, run.report["outcome"], run.report["passed"], locations)


@pytest.mark.parametrize("case", NON_CRASH, ids=lambda case: case[0])
def test_no_isolate_gives_the_same_verdict(case: tuple[str, ...]) -> None:
    """--no-isolate reaches the same outcome, codes and locations as an isolated run."""
    target, *options = case
    # Both runs share the machine: a loaded CPU can stall one loop past the default
    # block threshold, and an LC104 in one run only is noise, not an isolation difference.
    options += ["--block-threshold", "30"]
    with ThreadPoolExecutor(2) as pool:
        isolated, in_process = pool.map(
            lambda mode: run_cli([mode, "--app-dir", str(APPS), *options, target]),
            ["--isolate", "--no-isolate"],
        )
    assert isolated.report["environment"]["isolated"] is True
    assert in_process.report["environment"]["isolated"] is False
    assert verdict(in_process) == verdict(isolated)


def test_in_process_app_that_empties_sys_path_and_changes_directory(tmp_path: Path) -> None:
    """--no-isolate puts sys.path and the working directory back before writing reports:
    the rich renderer still imports, and a relative --json path lands where it was meant."""
    run = run_cli(
        [
            "--no-isolate",
            "--format",
            "rich",
            "--json",
            "out/report.json",
            "--app-dir",
            str(APPS),
            "messes_with_the_process:app",
        ],
        cwd=tmp_path,
        json_output=False,
    )
    assert run.rc == 0, run.stderr
    assert "PASSED" in run.stdout
    assert json.loads((tmp_path / "out" / "report.json").read_text())["outcome"] == "ok"

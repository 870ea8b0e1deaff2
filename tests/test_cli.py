"""The command line through typer's CliRunner: options, formats, usage errors, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asgi_lifespan_check import __version__
from tests.helpers import APPS, check, invoke, marker, run_cli

_BOX = re.compile(r"[\u2500-\u257f]")


def flat(text: str) -> str:
    """Text without rich's box drawing and with whitespace collapsed (error panels wrap)."""
    return " ".join(_BOX.sub(" ", text).split())


def assert_usage_error(args: list[str], *fragments: str) -> None:
    """Exit 2, no report on stdout, and one error on stderr saying what is wrong."""
    run = invoke(args)
    assert run.rc == 2, run.stdout
    assert run.stdout == ""
    # One error: typer's panel ("Error") when CliRunner drives typer's standalone mode,
    # our one-paragraph "error:" when the check itself rejects the input.
    assert run.stderr.count("Error") + run.stderr.count("error:") == 1, run.stderr
    message = flat(run.stderr)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        pytest.param("app", "there is no ':' between the module and the attribute", id="no-colon"),
        pytest.param(":app", "has no module before the ':'", id="no-module"),
        pytest.param("app:", "has no attribute after the ':'", id="no-attribute"),
        pytest.param(
            "a b:c", "'a b' in the module 'a b' is not a valid Python identifier", id="space"
        ),
        pytest.param("main.py:app", "try 'main:app'", id="file-name"),
        pytest.param("../svc/main:app", "try '--app-dir ../svc main:app'", id="file-path"),
    ],
)
def test_malformed_target_is_a_usage_error(target: str, fragment: str) -> None:
    """A malformed TARGET exits 2 with one clear error naming it, and no report."""
    assert_usage_error(
        ["--format", "json", "--app-dir", str(APPS), target], f"'{target}'", fragment
    )


def test_missing_env_file_is_a_usage_error() -> None:
    """--env-file naming a file that does not exist exits 2 and names the file."""
    assert_usage_error(
        ["--format", "json", "--env-file", "no-such.env", "--app-dir", str(APPS), "ok:app"],
        "--env-file",
        "'no-such.env' does not exist",
    )


def test_env_file_with_lines_that_cannot_be_parsed_is_a_usage_error(tmp_path: Path) -> None:
    """An --env-file line python-dotenv cannot parse would silently leave its variable
    unset (servers only log it): a usage error naming the file and the lines."""
    env = tmp_path / "ci.env"
    env.write_text('DATABASE_URL=postgres://db\nthis is not an assignment\nTOKEN="unclosed\n')
    assert_usage_error(
        ["--format", "json", "--env-file", str(env), "--app-dir", str(APPS), "ok:app"],
        "--env-file",
        "ci.env",
        "lines 2, 3",
    )


def test_missing_app_dir_is_a_usage_error() -> None:
    """--app-dir naming a directory that does not exist exits 2 and names it."""
    assert_usage_error(
        ["--format", "json", "--app-dir", "no-such-dir", "ok:app"], "--app-dir", "'no-such-dir'"
    )


def test_unknown_backend_is_a_usage_error() -> None:
    """--backend with an unknown name exits 2 and lists the backends there are."""
    assert_usage_error(
        ["--format", "json", "--backend", "nope", "--app-dir", str(APPS), "ok:app"],
        "'nope'",
        "asyncio",
        "trio",
    )


def test_unknown_format_is_a_usage_error() -> None:
    """--format with an unknown name exits 2."""
    assert_usage_error(["--format", "xml", "--app-dir", str(APPS), "ok:app"], "'xml'")


@pytest.mark.parametrize("value", ["-1", "0", "nan"])
def test_timeout_that_is_not_positive_is_a_usage_error(value: str) -> None:
    """A --startup-timeout that is negative, zero or NaN exits 2 and says what is wrong."""
    assert_usage_error(
        ["--format", "json", "--startup-timeout", value, "--app-dir", str(APPS), "ok:app"],
        "startup",
    )


BAD_DURATIONS = [
    (["--startup-timeout", "inf"], "'--startup-timeout': 'inf' is not a finite number"),
    (["--startup-timeout", "1e999"], "'--startup-timeout': '1e999' is not a finite number"),
    (["--hold", "nan"], "'--hold': 'nan' is not a finite number"),
    (["--max-total", "inf"], "'--max-total': 'inf' is not a finite number"),
    (["--probe-timeout", "0"], "--probe-timeout must be a number of seconds > 0, not 0"),
    (["--block-threshold", "0"], "--block-threshold must be a number of seconds > 0"),
    (["--hold", "-1"], "--hold must be a number of seconds >= 0, not -1"),
]


@pytest.mark.parametrize(
    ("args", "expected"), BAD_DURATIONS, ids=[" ".join(a) for a, _ in BAD_DURATIONS]
)
def test_durations_follow_the_config_files_rules(args: list[str], expected: str) -> None:
    """Durations on the command line must be finite, and > 0 for timeouts (with or
    without --probe), exactly as in [tool.lifespan-check]: exit 2 naming the option."""
    run = run_cli([*args, "--no-config", "--app-dir", str(APPS), "ok:app"], json_output=False)
    assert run.rc == 2, run.stdout
    assert run.stdout == ""
    assert expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_explain_prints_the_long_explanation() -> None:
    """--explain LC103 prints the code's title, its outcome and exit code, and how to fix it."""
    run = invoke(["--explain", "LC103"])
    assert run.rc == 0
    assert run.stdout.startswith("LC103 · Startup timed out")
    assert "outcome startup-timeout, exit code 4" in run.stdout
    assert "Why it matters" in run.stdout
    assert "How to fix" in run.stdout


def test_explain_accepts_lower_case_codes() -> None:
    """--explain lc103 explains LC103."""
    assert invoke(["--explain", "lc103"]).stdout == invoke(["--explain", "LC103"]).stdout


def test_explain_of_an_unknown_code_is_a_usage_error() -> None:
    """--explain with an unknown code exits 2 and lists the codes that exist."""
    run = invoke(["--explain", "LC999"])
    assert run.rc == 2
    assert "'LC999'" in run.stderr
    assert "LC103" in run.stderr


def test_explain_all_lists_every_code_with_its_title() -> None:
    """--explain all lists one line per code, with its severity and title."""
    run = invoke(["--explain", "all"])
    assert run.rc == 0
    listed = re.findall(r"^(LC\d{3}) ", run.stdout, flags=re.MULTILINE)
    for code in ("LC002", "LC101", "LC103", "LC206", "LC304", "LC401", "LC601", "LC602"):
        assert code in listed
    assert "LC103  error    Startup timed out" in run.stdout


def test_version_prints_the_version() -> None:
    """--version prints the tool's name and version and exits 0."""
    run = invoke(["--version"])
    assert run.rc == 0
    assert run.stdout.strip() == f"lifespan-check {__version__}"


def test_help_documents_the_exit_codes() -> None:
    """--help lists every exit code with its meaning."""
    run = invoke(["--help"], env={"COLUMNS": "200"})
    assert run.rc == 0
    text = flat(run.stdout)
    for fragment in (
        "0 passed",
        "1 the app failed a check",
        "2 usage error",
        "3 the target could not be loaded",
        "4 a hang",
        "5 the app's process crashed",
        "70 internal error",
        "74 the report could not be written",
    ):
        assert fragment in text


def test_default_format_off_a_terminal_is_text() -> None:
    """Without --format and without a terminal, the report is plain text with a verdict line."""
    run = invoke(["--app-dir", str(APPS), "ok:app"])
    assert run.rc == 0
    assert run.stdout.startswith("lifespan-check ok:app\n")
    assert "PASSED outcome=ok exit=0" in run.stdout


def test_text_format_shows_code_location_and_verdict() -> None:
    """--format text shows the finding's code, the user's file:line and the verdict."""
    run = invoke(["--format", "text", "--app-dir", str(APPS), "startup_raises:app"])
    assert run.rc == 1
    assert "LC101 error [startup] Startup raised an exception" in run.stdout
    assert f"startup_raises.py:{marker('startup_raises', 'raise')} in connect" in run.stdout
    assert "FAILED outcome=startup-failed exit=1" in run.stdout


def test_no_isolate_runs_in_process() -> None:
    """--no-isolate runs the app in the tool's own process and says so in the report."""
    run = check("ok:app", "--no-isolate")
    assert run.rc == 0
    assert run.report["environment"]["isolated"] is False
    assert check("ok:app").report["environment"]["isolated"] is True


def test_app_output_is_kept_out_of_the_json() -> None:
    """What the app prints is in report["output"], never mixed into the JSON on stdout."""
    run = check("noisy:app")
    assert run.rc == 0
    assert '{"not": "the report"}' in run.report["output"]["stdout"]
    assert "noisy: import-time warning" in run.report["output"]["stderr"]

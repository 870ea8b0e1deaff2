"""Where output goes: payloads to stdout or files, the human summary to stderr, app output
never on a machine-readable stdout, and colours that follow NO_COLOR, FORCE_COLOR and TTYs."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

import pytest
import xmlschema

from tests.gate_helpers import APPS, BIN, SCHEMAS, env_for, run_cli

ARGS = ["--app-dir", str(APPS), "--no-config"]
ANSI = "\x1b["


def test_machine_stdout_files_beside_it_and_summary_on_stderr(tmp_path: Path) -> None:
    """-f json with --json and --junit-xml: one JSON document on stdout, both files, the
    summary on stderr, and nothing the app printed on stdout."""
    json_file = tmp_path / "out" / "report.json"
    junit_file = tmp_path / "out" / "report.xml"
    run = run_cli(
        [
            *ARGS,
            "-f",
            "json",
            "--json",
            str(json_file),
            "--junit-xml",
            str(junit_file),
            "gate_nasty:app",
        ]
    )
    assert run.rc == 1
    document = run.json()
    assert not any(line.startswith("stdout with") for line in run.stdout.splitlines())
    assert document["output"]["stdout"].startswith("stdout with ]]>")
    assert json.loads(json_file.read_text()) == document
    xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit-10.xsd")).validate(junit_file.read_text())
    assert run.stderr.startswith("lifespan-check: gate_nasty:app FAILED · startup-failed")
    assert "LC101 error: startup raised RuntimeError" in run.stderr


def test_human_stdout_keeps_stderr_quiet(tmp_path: Path) -> None:
    """With a human format on stdout, the extra files are written and stderr stays empty."""
    json_file = tmp_path / "report.json"
    run = run_cli([*ARGS, "-f", "text", "--json", str(json_file), "gate_ok:app"])
    assert run.rc == 0
    assert run.stderr == ""
    assert run.stdout.startswith("lifespan-check gate_ok:app")
    assert json.loads(json_file.read_text())["passed"] is True


def test_unwritable_output_file_exits_2_before_anything_runs(tmp_path: Path) -> None:
    """An output file that cannot be written is reported in one line with exit 2, before
    the check runs (so no verdict is hidden behind a late failure)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = run_cli([*ARGS, "-f", "text", "--json", str(blocker / "x.json"), "gate_ok:app"])
    assert run.rc == 2
    assert "--json" in run.stderr
    assert "cannot be written" in run.stderr
    assert run.stdout == ""  # no report: nothing ran
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("env", "colour"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)],
)
def test_colours_on_a_pipe(env: dict[str, str], colour: bool) -> None:
    """Piped, the report has no colour unless FORCE_COLOR; NO_COLOR always wins."""
    run = run_cli([*ARGS, "gate_ok:app", "gate_nasty:app"], env=env)
    assert (ANSI in run.stdout) is colour
    if env.get("FORCE_COLOR"):
        assert "PASSED" in run.stdout  # rich was chosen by FORCE_COLOR
        assert "Verdict" in run.stdout  # the rich summary table of several targets


def _on_a_tty(args: list[str], columns: int, env: dict[str, str]) -> str:
    """Run lifespan-check with stdout on a real pseudo-terminal of `columns` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [str(BIN), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env_for(env),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(("env", "colour"), [({}, True), ({"NO_COLOR": "1"}, False)])
def test_a_terminal_gets_rich_output_at_its_width(env: dict[str, str], colour: bool) -> None:
    """On a TTY the report is rich, coloured unless NO_COLOR, and fits the terminal."""
    out = _on_a_tty([*ARGS, "gate_ok:app", "gate_nasty:app"], 72, env)
    assert (ANSI in out) is colour
    assert "Verdict" in out
    plain = out if not colour else _strip_ansi(out)
    widest = max(len(line) for line in plain.replace("\r", "").splitlines())
    assert widest <= 72


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"PYTHONIOENCODING": "ascii"}, id="PYTHONIOENCODING"),
        pytest.param({"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, id="C-locale"),
    ],
)
def test_a_stdout_that_cannot_encode_the_report_gets_escapes(env: dict[str, str]) -> None:
    """A non-UTF-8 stdout is no reason to crash a passing check: what it cannot encode
    (the report's "·") is escaped, and the exit code is the verdict."""
    run = run_cli([*ARGS, "-f", "text", "gate_ok:app"], env=env)
    assert run.rc == 0, run.stderr
    assert run.stderr == ""
    assert "\\xb7" in run.stdout
    assert run.stdout.rstrip().splitlines()[-1].startswith("PASSED")


def test_json_on_an_ascii_stdout_stays_valid_and_complete() -> None:
    """-f json on an ASCII stdout: the app's non-ASCII text becomes JSON escapes, so the
    document parses to the same report a UTF-8 stdout gets; the child still captures the
    app's own output."""
    args = [*ARGS, "-f", "json", "gate_nasty:app"]
    ascii_run = run_cli(args, env={"PYTHONIOENCODING": "ascii"})
    utf8_run = run_cli(args, env={"PYTHONIOENCODING": "utf-8"})
    assert ascii_run.rc == utf8_run.rc == 1
    assert ascii_run.stdout.isascii()
    document = ascii_run.json()
    message = document["findings"][0]["message"]
    assert "\U0001f600" in message
    assert message == utf8_run.json()["findings"][0]["message"]
    assert document["output"]["stdout"].startswith("stdout with ]]>")


@pytest.mark.parametrize(("option", "fmt"), [("--json", "json"), ("--junit-xml", "junit")])
def test_a_dash_for_an_output_file_is_a_usage_error(tmp_path: Path, option: str, fmt: str) -> None:
    """`--json -` is no file and no way to stdout (that is --format's): exit 2 up front with
    one line naming the --format to use, and no file called '-' is left behind."""
    run = run_cli([*ARGS, option, "-", "gate_ok:app"], cwd=tmp_path)
    assert run.rc == 2
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert f"{option} takes a file, not '-'" in line
    assert f"--format {fmt} puts the report there" in line
    assert not (tmp_path / "-").exists()

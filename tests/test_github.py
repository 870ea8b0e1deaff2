"""GitHub Actions output: workflow commands escaped as the runner unescapes them, the
job summary, and a log that app text cannot inject commands into."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgi_lifespan_check.render.github import command, escape_data, escape_property
from asgi_lifespan_check.render.markdown import md
from tests.gate_helpers import APPS, REPO, marker, run_cli

Parsed = tuple[str, dict[str, str], str]


def _unescape(text: str, pairs: list[tuple[str, str]]) -> str:
    for escaped, char in pairs:
        text = text.replace(escaped, char)
    return text


_DATA = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]
_PROPERTY = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]


def parse_command(line: str) -> Parsed:
    """A workflow command read the way the Actions runner reads one (ActionCommand.cs):
    the name and properties up to the first '::', properties split on ',' then '=',
    each unescaped in the runner's order (%25 last)."""
    line = line.lstrip()
    assert line.startswith("::"), line
    end = line.index("::", 2)
    info, data = line[2:end], line[end + 2 :]
    name, _, props = info.partition(" ")
    properties = {}
    for pair in props.strip().split(","):
        key, sep, value = pair.partition("=")
        if pair and sep:
            properties[key] = _unescape(value, _PROPERTY)
    return name, properties, _unescape(data, _DATA)


NASTY = [
    "plain words",
    "100% sure, 50%25 already-escaped-looking",
    "a:b::c,d,,e",
    "line one\nline two\r\nline three\rdone",
    "title=injected,file=/etc/passwd",
    "::error::looks like a command",
    "%0A%0D%3A%2C literal escapes",
    "unicode é ✓ \U0001f600",
    "trailing percent %",
]


@pytest.mark.parametrize("text", NASTY)
def test_every_nasty_string_survives_the_runner(text: str) -> None:
    """Property values and the message come back from the runner exactly as given."""
    line = command("error", {"file": text, "line": "7", "title": text}, text)
    assert "\n" not in line
    assert "\r" not in line
    name, properties, message = parse_command(line)
    assert name == "error"
    assert properties == {"file": text, "line": "7", "title": text}
    assert message == text


def test_property_and_message_escaping_differ() -> None:
    """':' and ',' are escaped in property values, never in the message."""
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert escape_data("a:b,c%") == "a:b,c%25"
    assert escape_data("x\r\ny") == "x%0D%0Ay"


def test_annotations_point_at_the_users_line() -> None:
    """Each finding is one annotation with the file relative to the workspace, the line,
    and the code in the title; warnings are warnings unless --strict."""
    args = ["--app-dir", str(APPS), "--no-config", "-f", "github", "gate_nasty:app"]
    run = run_cli([*args, "gate_warns:app"], env={"GITHUB_WORKSPACE": str(REPO)})
    assert run.rc == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 2
    (error,) = [parse_command(line) for line in lines if line.startswith("::error")]
    (warning,) = [parse_command(line) for line in lines if line.startswith("::warning")]
    properties, message = error[1], error[2]
    assert properties["file"] == "tests/apps/gate_nasty.py"
    assert properties["line"] == str(marker("gate_nasty", "nasty"))
    assert properties["title"] == "LC101 Startup raised an exception"
    assert message.startswith("gate_nasty:app: startup raised RuntimeError: end]]>")
    assert "more: lifespan-check explain LC101" in message
    assert warning[1]["title"].startswith("LC206")
    strict = run_cli([*args, "gate_warns:app", "--strict"], env={"GITHUB_WORKSPACE": str(REPO)})
    assert sum(line.startswith("::error") for line in strict.stdout.splitlines()) == 2


def test_a_passing_run_prints_no_annotation() -> None:
    """Quiet when nothing is wrong: no workflow command at all."""
    run = run_cli(["--app-dir", str(APPS), "--no-config", "-f", "github", "gate_ok:app"])
    assert run.rc == 0
    assert run.stdout == ""
    assert "gate_ok:app passed" in run.stderr


def test_the_human_summary_cannot_issue_commands() -> None:
    """The stderr summary quotes app text between stop-commands markers."""
    run = run_cli(["--app-dir", str(APPS), "--no-config", "-f", "github", "gate_nasty:app"])
    lines = run.stderr.splitlines()
    assert lines[0].startswith("::stop-commands::")
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) >= 16
    assert lines[-1] == f"::{token}::"
    assert all(not line.lstrip().startswith("::") for line in lines[1:-1])


def test_job_summary_is_appended_as_markdown(tmp_path: Path) -> None:
    """With $GITHUB_STEP_SUMMARY, a Markdown table is appended and app text escaped."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    run = run_cli(
        ["--app-dir", str(APPS), "--no-config", "-f", "github", "gate_ok:app", "gate_nasty:app"],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert run.rc == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n### ❌ lifespan-check failed (exit 1)")
    assert "| gate\\_ok:app | ✅ passed | ok |" in text
    assert "| gate\\_nasty:app | ❌ failed | startup-failed |" in text
    assert "**LC101** error" in text
    assert "<b>" not in text
    assert "&lt;b\\>" in text


@pytest.mark.parametrize(
    ("where", "problem"),
    [(".", "Is a directory"), ("missing/summary.md", "No such file or directory")],
    ids=["a-directory", "no-parent-folder"],
)
def test_an_unwritable_job_summary_is_a_warning_that_keeps_the_verdict(
    tmp_path: Path, where: str, problem: str
) -> None:
    """The job summary is an extra: when $GITHUB_STEP_SUMMARY cannot be written, one
    warning line says so, the exit code stays the verdict, and no folder is created for
    it (the runner creates that file itself)."""
    summary = tmp_path / where
    run = run_cli(
        ["--app-dir", str(APPS), "--no-config", "-f", "github", "gate_ok:app"],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert run.rc == 0
    assert run.stderr.splitlines()[-1] == (
        f"lifespan-check: warning: cannot write the job summary to {str(summary)!r}: {problem}"
    )
    assert not (tmp_path / "missing").exists()


def test_markdown_escaping_keeps_text_inert() -> None:
    """Pipes, HTML, newlines and Markdown syntax from the app are escaped."""
    assert md("a|b") == "a\\|b"
    assert md("<script>") == "&lt;script\\>"
    assert md("**bold** [link](x)") == "\\*\\*bold\\*\\* \\[link\\]\\(x\\)"
    assert "\n" not in md("one\ntwo\r\nthree")

"""--ignore sets warnings and judgements aside, never what happened to the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgi_lifespan_check import UsageError, check_sync
from tests.gate_helpers import write_project
from tests.helpers import APPS, run_cli

BASE = ["--no-config", "--app-dir", str(APPS), "--startup-timeout", "0.3"]

DECIDING = [
    (["--ignore", "LC002", "nope:app"], "LC002 (load-failed) decides the outcome"),
    (["--ignore", "lc601", "crash_segfault:app"], "LC601 (crashed) decides the outcome"),
    (["--ignore", "LC103", "startup_hang:app"], "LC103 (startup-timeout) decides the outcome"),
    (
        ["--ignore", "LC206,LC102", "startup_failed_message:app"],
        "LC102 (startup-failed) decides the outcome",
    ),
]


@pytest.mark.parametrize(("args", "expected"), DECIDING, ids=[a[-1] for a, _ in DECIDING])
def test_a_code_that_decides_the_outcome_cannot_be_ignored(args: list[str], expected: str) -> None:
    """A mistyped target, a crash, a hang or a failed startup cannot be ignored into a pass:
    --ignore with its code is a usage error (exit 2) before anything runs."""
    run = run_cli([*BASE, *args], json_output=False)
    assert run.rc == 2, run.stdout
    assert run.stdout == ""
    assert "--ignore: " in run.stderr
    assert f"{expected} and cannot be ignored" in run.stderr, run.stderr


def test_the_config_file_cannot_ignore_them_either(tmp_path: Path) -> None:
    """ignore = ["LC002"] in [tool.lifespan-check] is refused, naming the file and the key."""
    root = write_project(
        tmp_path, '[tool.lifespan-check]\ntargets = ["nope:app"]\nignore = ["LC002"]\n'
    )
    run = run_cli([], cwd=root, json_output=False)
    assert run.rc == 2
    assert "pyproject.toml: [tool.lifespan-check] ignore: LC002 (load-failed)" in run.stderr


def test_the_python_api_refuses_them_too() -> None:
    """check_sync(..., ignore=["LC002"]) raises UsageError, as the command line exits 2."""
    with pytest.raises(UsageError, match=r"LC002 \(load-failed\) decides the outcome"):
        check_sync("nope:app", ignore=["LC002"], app_dir=APPS)


def test_ignoring_a_warning_keeps_the_outcome() -> None:
    """Ignoring LC106 passes the check but the outcome stays "unsupported"."""
    run = run_cli([*BASE, "--ignore", "LC106", "lifespan_unsupported:app"])
    assert run.rc == 0
    assert run.report["outcome"] == "unsupported"
    assert run.codes == []
    assert [f["code"] for f in run.report["ignored"]] == ["LC106"]


@pytest.mark.parametrize(
    ("args", "code", "rc"),
    [
        (["--lifespan", "on", "--ignore", "LC106", "lifespan_unsupported:app"], "LC106", 1),
        (["--ignore", "LC104", "blocks_twice:app"], "LC104", 4),
    ],
    ids=["LC106-with-lifespan-on", "LC104-at-the-deadline"],
)
def test_a_warning_code_raised_to_a_deciding_error_is_kept(
    args: list[str], code: str, rc: int
) -> None:
    """LC106 under --lifespan on and LC104 at a deadline decide the outcome: --ignore
    leaves them in the findings, so the check still fails."""
    run = run_cli([*BASE, *args])
    assert run.rc == rc, run.stderr
    assert run.finding(code)["severity"] == "error"
    assert run.report["ignored"] == []

"""--profile as a user meets it: what it costs when off, the app's output, the modes,
the options, and the picture at 80 columns."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import APPS, marker, run_cli
from tests.profile_support import (
    app_costs,
    close_enough,
    function,
    generate_package,
    import_node,
    profile_json,
)


def _stdout_lines(report: dict[str, object]) -> dict[str, str]:
    output = report["output"]
    assert isinstance(output, dict)
    return dict(line.split(" ", 1) for line in str(output["stdout"]).splitlines())


def test_without_profile_nothing_runs_and_nothing_is_reported() -> None:
    """Without --profile there is no sampler thread, no -X importtime and no profile."""
    proc = run_cli(["--format", "json", "--app-dir", str(APPS), "profile_env:app"])
    report = proc.report
    seen = _stdout_lines(report)
    assert "lifespan-check-sampler" not in seen["threads"]
    assert seen["importtime"] == "0"
    assert report["profile"] is None


def test_with_profile_the_sampler_and_importtime_run() -> None:
    """With --profile the child runs with -X importtime and a sampler thread."""
    report = profile_json("profile_env:app")
    seen = _stdout_lines(report)
    assert "lifespan-check-sampler" in seen["threads"].split(",")
    assert seen["importtime"] == "1"


def test_the_apps_stderr_stays_the_apps() -> None:
    """-X importtime lines never reach the app's captured stderr; the app's lines do."""
    plain = run_cli(["--format", "json", "--app-dir", str(APPS), "profile_env:app"]).report
    profiled = profile_json("profile_env:app")
    expected = "app stderr at import\nraw fd 2 write at import\napp stderr in startup\n"
    assert plain["output"]["stderr"] == expected
    assert profiled["output"]["stderr"] == expected


def test_no_isolate_profiles_startup_and_says_why_imports_are_missing() -> None:
    """In-process, startup is attributed and the report says the import needs isolation."""
    report = profile_json("profile_trio:app", "--no-isolate")
    entry = function(report, "startup", "connect")
    assert entry["line"] == marker("profile_trio", "connect")
    assert report["profile"]["imports"] == []
    assert any("-X importtime" in note for note in report["profile"]["notes"])


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_both_backends_split_awaiting_from_cpu(backend: str) -> None:
    """On asyncio and trio, the awaited sleep is awaiting time and the spin is CPU."""
    reports = [profile_json("profile_trio:app", "--backend", backend) for _ in range(3)]
    connects = [function(r, "startup", "connect") for r in reports]
    crunches = [function(r, "startup", "crunch") for r in reports]
    assert connects[0]["line"] == marker("profile_trio", "connect")
    assert crunches[0]["line"] == marker("profile_trio", "crunch")
    ok, text = close_enough([c["await_s"] for c in connects], [0.15] * 3)
    assert ok, text
    ok, text = close_enough([c["cpu_s"] + c["blocked_s"] for c in crunches], [0.05] * 3)
    assert ok, text
    assert all(c["await_s"] == 0 for c in crunches)


def test_modules_without_a_cached_pyc_are_flagged(tmp_path: Path) -> None:
    """A first import compiles from source and is flagged; the second, cached, is not;
    with PYTHONDONTWRITEBYTECODE every import compiles and is flagged."""
    generate_package(tmp_path, "fresh_pkg", 20, distribution=False)
    (tmp_path / "fresh_app.py").write_text(
        "import fresh_pkg\n\n" + (APPS / "profile_trio.py").read_text()
    )
    writes = {"PYTHONDONTWRITEBYTECODE": ""}  # empty means unset, whatever the caller has
    first = profile_json("fresh_app:app", app_dir=tmp_path, env=writes)
    second = profile_json("fresh_app:app", app_dir=tmp_path, env=writes)
    assert import_node(first, "fresh_pkg.mod_0007")["compiled"] is True
    assert import_node(second, "fresh_pkg.mod_0007")["compiled"] is False
    assert first["profile"]["imports"][0]["compiled"] >= 21
    assert second["profile"]["imports"][0]["compiled"] == 0
    # Code under --app-dir is "your code", even though it is no distribution.
    assert import_node(first, "fresh_pkg")["group"] == "your code"

    generate_package(tmp_path / "other", "fresh_pkg", 20, distribution=False)
    (tmp_path / "other" / "fresh_app.py").write_text((tmp_path / "fresh_app.py").read_text())
    for _ in range(2):
        report = profile_json(
            "fresh_app:app", app_dir=tmp_path / "other", env={"PYTHONDONTWRITEBYTECODE": "1"}
        )
        assert import_node(report, "fresh_pkg.mod_0007")["compiled"] is True


def test_an_import_failure_still_shows_the_import_profile(tmp_path: Path) -> None:
    """A target whose import raises still gets its import breakdown."""
    (tmp_path / "breaks.py").write_text("import json.tool\nraise RuntimeError('boom')\n")
    proc = run_cli(["--format", "json", "--profile", "--app-dir", str(tmp_path), "breaks:app"])
    report = proc.report
    assert proc.rc == 3
    assert import_node(report, "json.tool")["cumulative_s"] > 0


@pytest.mark.parametrize("fmt", ["text", "rich"])
def test_profile_report_fits_80_columns(fmt: str) -> None:
    """The profile section, timeline included, is readable at 80 columns."""
    proc = run_cli(
        ["--format", fmt, "--profile", "--app-dir", str(APPS), "profile_costs:app"],
        env={"COLUMNS": "80"},
    )
    assert proc.rc == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    text = proc.stdout
    assert " timeline " in text
    assert "connect_db" in text
    assert "critical path: Task-" in text
    assert "└ fetch ★" in text


def test_profile_top_limits_the_tables() -> None:
    """--profile-top N shows at most N functions per phase."""
    proc = run_cli(
        [
            "--format",
            "text",
            "--profile",
            "--profile-top",
            "2",
            "--app-dir",
            str(APPS),
            "profile_costs:app",
        ]
    )
    block = re.search(r"^  startup \d+ ms: .*?\n\n", proc.stdout, re.M | re.S)
    assert block is not None, proc.stdout
    rows = block.group().strip("\n").splitlines()[2:]
    functions = [r for r in rows if not r.strip().startswith(("⑂", "critical", "branches"))]
    assert len(functions) == 2, block.group()


def test_profile_format_needs_an_output_file() -> None:
    """--profile-format alone is a usage error that names the missing option."""
    proc = run_cli(
        ["--profile-format", "chrome", "--app-dir", str(APPS), "profile_trio:app"],
        json_output=False,
    )
    assert proc.rc == 2
    assert "--profile-output" in proc.stderr


def test_profile_output_takes_one_target(tmp_path: Path) -> None:
    """--profile-output with several targets is a usage error that says what to do."""
    proc = run_cli(
        [
            "--profile-output",
            str(tmp_path / "boot.json"),
            "--app-dir",
            str(APPS),
            "profile_trio:app",
            "profile_env:app",
        ],
        json_output=False,
    )
    assert proc.rc == 2
    assert "--profile-output" in proc.stderr
    assert "give one TARGET" in proc.stderr
    assert not (tmp_path / "boot.json").exists()


def test_profile_output_in_an_unwritable_place_is_reported(tmp_path: Path) -> None:
    """A profile file that cannot be written is said on stderr; the check still reports."""
    target = tmp_path / "missing" / "out.speedscope.json"
    proc = run_cli(
        [
            "--format",
            "json",
            "--profile-output",
            str(target),
            "--app-dir",
            str(APPS),
            "profile_trio:app",
        ]
    )
    assert proc.rc == 0
    assert proc.report["passed"] is True
    assert f"could not write the profile to {target}" in proc.stderr
    assert app_costs(proc.report) == {}
    shutil.rmtree(tmp_path)

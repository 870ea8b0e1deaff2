"""Baselines: --save-baseline writes the phase medians, --baseline flags regressions
(LC505) beyond the tolerance and the absolute floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgi_lifespan_check.baseline import compare
from asgi_lifespan_check.report import Report
from tests.gate_helpers import APPS, codes, finding, invoke, run_cli

BASE = ["--app-dir", str(APPS), "--no-config", "-f", "json"]


def test_slower_startup_than_the_baseline_is_lc505(tmp_path: Path) -> None:
    """Save a baseline with a 50 ms startup; a 400 ms startup later is a regression."""
    saved = tmp_path / "baseline.json"
    first = invoke(
        [*BASE, "--save-baseline", str(saved), "gate_slow:app"], env={"LC_STARTUP_SLEEP": "0.05"}
    )
    assert first.rc == 0
    document = json.loads(saved.read_text())
    assert document["schema"] == "lifespan-check-baseline/1"
    entry = document["targets"]["gate_slow:app"]
    assert set(entry) == {"import", "startup", "shutdown", "total"}
    assert entry["startup"] >= 0.05

    slower = invoke(
        [*BASE, "--baseline", str(saved), "gate_slow:app"], env={"LC_STARTUP_SLEEP": "0.4"}
    )
    assert slower.rc == 1
    report = slower.json()
    lc505 = finding(report, "LC505")
    assert lc505["phase"] == "startup"
    assert "beyond the tolerance of 20 % and the floor of 50 ms" in lc505["message"]
    assert lc505["details"]["baseline_s"] == pytest.approx(entry["startup"], abs=1e-6)
    deltas = {d["name"]: d for d in report["baseline"]["deltas"]}
    assert deltas["startup"]["regressed"] is True
    assert deltas["import"]["regressed"] is False


def test_same_speed_is_not_a_regression(tmp_path: Path) -> None:
    """Run again as fast as the baseline: no LC505 (the floor absorbs the noise)."""
    saved = tmp_path / "baseline.json"
    env = {"LC_STARTUP_SLEEP": "0.05"}
    invoke([*BASE, "--save-baseline", str(saved), "gate_slow:app"], env=env)
    again = invoke(
        [*BASE, "--baseline", str(saved), "--tolerance", "20%", "gate_slow:app"], env=env
    )
    assert again.rc == 0
    assert "LC505" not in codes(again.json())
    assert again.json()["baseline"]["found"] is True


def _report(target: str = "app:app") -> Report:
    return Report(target=target, passed=True, outcome="ok", exit_code=0)


@pytest.mark.parametrize(
    ("before", "now", "regressed"),
    [
        (0.003, 0.006, False),  # +100 %, but only 3 ms: below the floor
        (0.100, 0.130, False),  # +30 %, but 30 ms: below the floor
        (1.000, 1.150, False),  # 150 ms slower, but within 20 %
        (0.100, 0.200, True),  # +100 % and 100 ms
        (1.000, 1.300, True),  # +30 % and 300 ms
    ],
)
def test_tolerance_and_floor_must_both_be_exceeded(
    before: float, now: float, regressed: bool
) -> None:
    """A phase regresses only when it is slower by more than 20 % AND more than 50 ms."""
    comparison, found = compare(
        _report(),
        {"startup": now},
        {"app:app": {"startup": before}},
        file="b.json",
        tolerance_pct=20,
        floor_s=0.05,
    )
    assert [d.regressed for d in comparison.deltas] == [regressed]
    assert [f.code for f in found] == (["LC505"] if regressed else [])


def test_a_regression_smaller_than_a_millisecond_is_shown_as_such() -> None:
    """With no floor, a fraction of a millisecond can fail the check: the message gives
    the difference itself, not two equal rounded figures."""
    _, found = compare(
        _report(),
        {"startup": 0.3035},
        {"app:app": {"startup": 0.3031}},
        file="b.json",
        tolerance_pct=0,
        floor_s=0,
    )
    [lc505] = found
    assert "(+0.4 ms, +0.1 %)" in lc505.message
    assert "no floor" in lc505.message


def test_a_target_missing_from_the_baseline_is_not_compared() -> None:
    """A new target has nothing to compare with: no finding, and the report says so."""
    comparison, found = compare(
        _report("new:app"),
        {"startup": 1.0},
        {"old:app": {"startup": 0.1}},
        file="b.json",
        tolerance_pct=20,
        floor_s=0.05,
    )
    assert found == []
    assert comparison.found is False


def test_saving_keeps_other_targets(tmp_path: Path) -> None:
    """--save-baseline updates this target's entry and keeps the others in the file."""
    saved = tmp_path / "baseline.json"
    saved.write_text(
        json.dumps(
            {"schema": "lifespan-check-baseline/1", "targets": {"other:app": {"startup": 1}}}
        )
    )
    run = invoke([*BASE, "--save-baseline", str(saved), "gate_ok:app"])
    assert run.rc == 0
    targets = json.loads(saved.read_text())["targets"]
    assert set(targets) == {"other:app", "gate_ok:app"}


def test_one_file_to_compare_and_update_starts_itself(tmp_path: Path) -> None:
    """`--baseline F --save-baseline F` on a first run, with F not there yet, compares with
    nothing and writes F; the next run compares with what the first one saved, and F is
    only updated by a run that passed."""
    saved = tmp_path / "baseline.json"
    args = [*BASE, "--baseline", str(saved), "--save-baseline", str(saved), "gate_slow:app"]
    first = invoke(args, env={"LC_STARTUP_SLEEP": "0.05"})
    assert first.rc == 0, first.stderr
    assert first.json()["baseline"]["found"] is False
    assert "gate_slow:app" in json.loads(saved.read_text())["targets"]

    saved_first = saved.read_text()
    slower = invoke(args, env={"LC_STARTUP_SLEEP": "0.4"})
    assert slower.rc == 1
    assert finding(slower.json(), "LC505")["phase"] == "startup"
    # A failed run does not become the new baseline: the regression fails again next time.
    assert saved.read_text() == saved_first
    assert f"{saved} was not updated: the check failed against it" in slower.stderr


def test_regression_follows_budget_severity(tmp_path: Path) -> None:
    """With --budget-severity warning, LC505 is a warning and the check passes."""
    saved = tmp_path / "baseline.json"
    invoke([*BASE, "--save-baseline", str(saved), "gate_slow:app"], env={"LC_STARTUP_SLEEP": "0"})
    run = invoke(
        [*BASE, "--baseline", str(saved), "--budget-severity", "warning", "gate_slow:app"],
        env={"LC_STARTUP_SLEEP": "0.3"},
    )
    assert run.rc == 0
    assert finding(run.json(), "LC505")["severity"] == "warning"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist; create it first with --save-baseline"),
        ("not json", "cannot be read as JSON"),
        ('{"schema": "other"}', "is not a lifespan-check baseline"),
    ],
)
def test_unusable_baseline_is_a_usage_error(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    """A missing, broken or foreign baseline file exits 2 and says how to make one."""
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    run = invoke([*BASE, "--baseline", str(path), "gate_ok:app"])
    assert run.rc == 2
    assert expected in run.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "cannot be read as JSON"),
        ('{"schema": "other"}', "is not a lifespan-check baseline"),
        ('{"schema": "lifespan-check-baseline/1", "targets": []}', 'has no "targets" table'),
    ],
    ids=["not-json", "foreign", "wrong-shape"],
)
def test_save_baseline_over_a_file_that_is_no_baseline_is_refused_up_front(
    tmp_path: Path, content: str, problem: str
) -> None:
    """--save-baseline FILE where FILE holds something else: exit 2 before the app runs,
    one line naming the file and the problem, and the file left as it was (it may be
    anything, such as a mistyped name)."""
    path = tmp_path / "baseline.json"
    path.write_text(content)
    counter = tmp_path / "runs"
    run = run_cli(
        [*BASE, "--save-baseline", str(path), "gate_counter:app"],
        env={"LC_COUNTER_FILE": str(counter)},
    )
    assert run.rc == 2
    assert run.stdout == ""
    assert not counter.exists()  # the app never started
    [line] = run.stderr.splitlines()
    assert f"--save-baseline {str(path)!r} {problem}" in line
    assert "not overwritten" in line
    assert path.read_text() == content


def test_bad_tolerance_is_a_usage_error() -> None:
    """--tolerance must be a percentage."""
    run = invoke([*BASE, "--tolerance", "a lot", "gate_ok:app"])
    assert run.rc == 2
    assert "is not a percentage" in run.stderr


def test_text_report_marks_the_judged_phases_only(tmp_path: Path) -> None:
    """The total is shown beside the baseline's but not judged (its phases are): it is
    never marked 'ok' while the startup inside it is SLOWER."""
    saved = tmp_path / "baseline.json"
    base = ["--app-dir", str(APPS), "--no-config"]
    save = [*base, "-f", "json", "--save-baseline", str(saved), "gate_slow:app"]
    invoke(save, env={"LC_STARTUP_SLEEP": "0.05"})
    check = [*base, "-f", "text", "--baseline", str(saved), "gate_slow:app"]
    compared = [
        line.split()
        for line in invoke(check, env={"LC_STARTUP_SLEEP": "0.4"}).stdout.splitlines()
        if " vs " in line
    ]
    marks = {
        words[1] if words[0] == "SLOWER" or words[0] == "ok" else words[0]: words[0]
        for words in compared
    }
    assert marks["startup"] == "SLOWER"
    assert marks["total"] == "total"  # no mark at all

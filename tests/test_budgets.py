"""Budgets (LC501-LC504), --repeat statistics and flakiness (LC511)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gate_helpers import APPS, codes, finding, invoke

BASE = ["--app-dir", str(APPS), "--no-config", "-f", "json"]


def test_startup_over_budget_gives_figure_budget_and_excess() -> None:
    """A startup that sleeps 0.3 s against a 0.1 s budget is LC502 with all three numbers."""
    run = invoke([*BASE, "--max-startup", "0.1", "gate_slow:app"], env={"LC_STARTUP_SLEEP": "0.3"})
    assert run.rc == 1
    report = run.json()
    assert report["outcome"] == "ok"
    assert report["passed"] is False
    lc502 = finding(report, "LC502")
    assert lc502["severity"] == "error"
    assert lc502["phase"] == "startup"
    details = lc502["details"]
    assert details["budget_s"] == 0.1
    assert details["figure_s"] >= 0.3
    assert details["over_s"] == pytest.approx(details["figure_s"] - 0.1)
    assert "over its budget of 100 ms by" in lc502["message"]
    assert report["budgets"] == {"startup": 0.1}
    assert report["figures"]["startup"] == details["figure_s"]


@pytest.mark.parametrize(
    ("option", "code", "env"),
    [
        ("--max-import", "LC501", {"LC_IMPORT_SLEEP": "0.2"}),
        ("--max-shutdown", "LC503", {"LC_SHUTDOWN_SLEEP": "0.2"}),
        ("--max-total", "LC504", {"LC_STARTUP_SLEEP": "0.1", "LC_SHUTDOWN_SLEEP": "0.1"}),
    ],
)
def test_each_budget_has_its_code(option: str, code: str, env: dict[str, str]) -> None:
    """Import, shutdown and total budgets are LC501, LC503 and LC504."""
    run = invoke([*BASE, option, "0.05", "gate_slow:app"], env=env)
    assert run.rc == 1
    assert codes(run.json()) == [code]


def test_generous_budgets_pass_and_are_reported() -> None:
    """Budgets that are met add no finding, and the report still lists them."""
    run = invoke(
        [*BASE, "--max-import", "30", "--max-startup", "30", "--max-total", "60", "gate_ok:app"]
    )
    assert run.rc == 0
    report = run.json()
    assert report["findings"] == []
    assert report["budgets"] == {"import": 30.0, "startup": 30.0, "total": 60.0}


def test_budget_severity_warning_passes_unless_strict() -> None:
    """budget-severity warning makes LC502 a warning: exit 0, or 1 with --strict."""
    args = [*BASE, "--max-startup", "0.01", "--budget-severity", "warning", "gate_slow:app"]
    env = {"LC_STARTUP_SLEEP": "0.1"}
    relaxed = invoke(args, env=env)
    assert relaxed.rc == 0
    assert finding(relaxed.json(), "LC502")["severity"] == "warning"
    strict = invoke([*args, "--strict"], env=env)
    assert strict.rc == 1


def test_budget_severity_from_config(tmp_path: Path) -> None:
    """budget-severity and budgets come from the config file too."""
    config = tmp_path / "lc.toml"
    config.write_text('[tool.lifespan-check]\nmax-startup = 0.01\nbudget-severity = "warning"\n')
    run = invoke(
        ["--app-dir", str(APPS), "--config", str(config), "-f", "json", "gate_slow:app"],
        env={"LC_STARTUP_SLEEP": "0.1"},
    )
    assert run.rc == 0
    assert finding(run.json(), "LC502")["severity"] == "warning"


def test_ignored_budget_code_is_listed_as_ignored() -> None:
    """--ignore works for gate findings too: LC502 moves to "ignored"."""
    run = invoke(
        [*BASE, "--max-startup", "0.01", "--ignore", "LC502", "gate_slow:app"],
        env={"LC_STARTUP_SLEEP": "0.1"},
    )
    assert run.rc == 0
    assert [f["code"] for f in run.json()["ignored"]] == ["LC502"]


def test_repeat_reports_min_median_max_and_judges_the_median(tmp_path: Path) -> None:
    """--repeat 3 runs three fresh processes; budgets apply to the median."""
    counter = tmp_path / "count"
    run = invoke(
        [*BASE, "--repeat", "3", "-j", "2", "--max-startup", "0.05", "gate_counter:app"],
        env={"LC_COUNTER_FILE": str(counter), "LC_FAIL_EVERY": "0"},
    )
    assert counter.read_text() == "3"  # three processes ran the app
    report = run.json()
    assert len(report["runs"]) == 3
    assert all(r["passed"] for r in report["runs"])
    stats = {s["name"]: s for s in report["phase_stats"]}
    assert set(stats) >= {"import", "startup", "shutdown", "total"}
    for stat in stats.values():
        assert stat["runs"] == 3
        assert stat["min_s"] <= stat["median_s"] <= stat["max_s"]
    assert report["figures"]["startup"] == stats["startup"]["median_s"]
    assert run.rc == 0  # a trivial startup is far below 50 ms, in the median


def test_flaky_outcomes_are_lc511_with_counts(tmp_path: Path) -> None:
    """When every second run fails, LC511 counts each verdict and the worst run is shown."""
    counter = tmp_path / "count"
    run = invoke(
        [*BASE, "--repeat", "4", "-j", "2", "gate_counter:app"],
        env={"LC_COUNTER_FILE": str(counter), "LC_FAIL_EVERY": "2"},
    )
    assert run.rc == 1
    report = run.json()
    assert [r["passed"] for r in report["runs"]].count(False) == 2
    lc511 = finding(report, "LC511")
    assert "the 4 runs did not agree" in lc511["message"]
    assert "2x ok, passed" in lc511["message"]
    assert "2x startup-failed, exit 1" in lc511["message"]
    assert report["outcome"] == "startup-failed"  # the worst run's findings
    assert "LC101" in codes(report)


def test_stable_failures_are_not_flaky(tmp_path: Path) -> None:
    """Runs that all fail the same way are a failure, not LC511."""
    run = invoke(
        [*BASE, "--repeat", "2", "gate_counter:app"],
        env={"LC_COUNTER_FILE": str(tmp_path / "count"), "LC_FAIL_EVERY": "1"},
    )
    assert run.rc == 1
    assert "LC511" not in codes(run.json())


def test_repeat_text_report_shows_the_statistics(tmp_path: Path) -> None:
    """The text report lists the runs and a min/median/max row per phase."""
    run = invoke(
        ["--app-dir", str(APPS), "--no-config", "-f", "text", "--repeat", "2", "gate_counter:app"],
        env={"LC_COUNTER_FILE": str(tmp_path / "count")},
    )
    assert "2 runs: 2x ok" in run.stdout
    assert "figure          min    median       max    budget" in run.stdout

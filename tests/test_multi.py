"""Several targets in one invocation: isolated parallel runs, one combined report, and
the worst exit code."""

from __future__ import annotations

import pytest

from asgi_lifespan_check.results import SEVERITY_ORDER, worst_exit
from tests.gate_helpers import APPS, codes, invoke, run_cli

QUICK = ["--app-dir", str(APPS), "--startup-timeout", "0.3", "--no-config"]


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (["gate_ok:app", "gate_warns:app"], 0),
        (["gate_ok:app", "gate_nasty:app"], 1),
        (["gate_nasty:app", "gate_missing:app", "gate_ok:app"], 3),
        (["gate_nasty:app", "gate_hang:app", "gate_missing:app"], 4),
        (["gate_hang:app", "gate_crash:app", "gate_ok:app"], 5),
    ],
)
def test_exit_code_is_the_worst_of_all_targets(targets: list[str], expected: int) -> None:
    """Mixed outcomes exit with the most severe code; each target keeps its own verdict."""
    run = invoke([*QUICK, "-f", "json", "-j", "2", *targets])
    assert run.rc == expected, run.stdout[-3000:]
    document = run.json()
    assert document["exit_code"] == expected
    assert [r["target"] for r in document["results"]] == targets
    assert [s["target"] for s in document["summary"]] == targets
    assert document["passed"] is (expected == 0)
    assert max(r["exit_code"] for r in document["results"]) == expected


def test_strict_fails_the_target_with_warnings_only() -> None:
    """--strict turns a target with warnings into a failure (exit 1), alone or among others."""
    run = invoke([*QUICK, "-f", "json", "--strict", "gate_ok:app", "gate_warns:app"])
    assert run.rc == 1
    ok, warns = run.json()["results"]
    assert ok["passed"] is True
    assert warns["passed"] is False
    assert codes(warns) == ["LC206"]


def test_ignore_silences_a_code_but_json_still_lists_it() -> None:
    """--ignore drops a code from the verdict and keeps it under "ignored"."""
    run = invoke([*QUICK, "-f", "json", "--strict", "--ignore", "LC206,LC401", "gate_warns:app"])
    assert run.rc == 0
    report = run.json()
    assert codes(report) == []
    assert [f["code"] for f in report["ignored"]] == ["LC206"]


def test_single_target_json_is_unchanged_by_the_gate() -> None:
    """One target still prints the single-report schema, with no results list."""
    run = invoke([*QUICK, "-f", "json", "gate_ok:app"])
    report = run.json()
    assert "results" not in report
    assert report["schema"] == "lifespan-check/1"
    assert report["target"] == "gate_ok:app"


def test_text_report_has_a_section_per_target_and_a_summary_table() -> None:
    """The human report shows every target's own report, then one line per target."""
    run = run_cli([*QUICK, "-f", "text", "gate_ok:app", "gate_nasty:app"])
    assert run.rc == 1
    assert run.stdout.count("lifespan-check gate_") == 2
    table = run.stdout.split("=" * 72)[-1]
    assert "gate_ok:app     PASSED   ok" in table
    assert "gate_nasty:app  FAILED   startup-failed      1" in table
    assert "FAILED 1 of 2 targets passed · exit 1" in run.stdout


def test_parallel_runs_are_each_isolated() -> None:
    """With -j 2 every target still runs in a child interpreter of its own."""
    run = invoke([*QUICK, "-f", "json", "-j", "2", "gate_ok:app", "gate_slow:app"])
    assert run.rc == 0
    assert all(r["environment"]["isolated"] for r in run.json()["results"])


def test_duplicate_targets_run_once() -> None:
    """The same target given twice is checked once."""
    run = invoke([*QUICK, "-f", "json", "gate_ok:app", "gate_ok:app"])
    assert run.json()["target"] == "gate_ok:app"


def test_no_isolate_refuses_several_targets() -> None:
    """--no-isolate with several targets is a usage error that says why."""
    run = invoke([*QUICK, "--no-isolate", "gate_ok:app", "gate_warns:app"])
    assert run.rc == 2
    assert "fresh process" in run.stderr


def test_severity_order_is_explicit() -> None:
    """The documented order: interrupted > internal > crash > hang > load > usage > failed."""
    assert SEVERITY_ORDER == (0, 1, 2, 3, 4, 5, 70, 130)
    assert worst_exit([1, 4, 3]) == 4
    assert worst_exit([5, 130, 0]) == 130
    assert worst_exit([]) == 0

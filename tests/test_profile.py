"""--profile attributes known costs to the right function, raw and inside FastAPI.

tests/apps/profile_costs.py runs a startup whose every step has a known cost and
prints what each really took; the profile must agree within 10% (or 10 ms), as the
median over a few runs (the machine is shared and noisy). A generated package, installed
as a distribution on PYTHONPATH, is the heavy import.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import APPS, Report, marker
from tests.profile_support import (
    app_costs,
    close_enough,
    function,
    generate_package,
    import_node,
    profile_json,
)

RUNS = 5  # a median of five keeps a loaded machine's outliers out
TARGETS = ["profile_costs:app", "profile_costs_fastapi:app"]


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `heavy_vendor`, an installed distribution of 150 modules."""
    root = tmp_path_factory.mktemp("vendor")
    generate_package(root, "heavy_vendor", 150, distribution=True)
    return root


@pytest.fixture(scope="module", params=TARGETS)
def runs(request: pytest.FixtureRequest, vendor: Path) -> list[Report]:
    """A few --profile runs of one flavour of the known-costs app."""
    env = {"PYTHONPATH": str(vendor), "PROFILE_HEAVY": "1"}
    return [profile_json(str(request.param), env=env) for _ in range(RUNS)]


def _own(entry: dict[str, Any]) -> float:
    return float(entry["cpu_s"] + entry["blocked_s"] + entry["await_s"])


# The app's own measure of each step -> (phase, function, the line's marker, the kind
# of time that must make up most of the function's own time).
CASES: dict[str, tuple[str, str, str, str]] = {
    "connect": ("startup", "connect_db", "connect", "await_s"),
    "warm": ("startup", "warm_cache", "warm", "await_s"),
    "cpu": ("startup", "build_index", "cpu", "cpu_s"),
    "to_thread": ("startup", "load_model", "to_thread", "await_s"),
    "gather": ("startup", "fan_out", "gather", "await_s"),
    "close": ("shutdown", "shutdown", "close", "await_s"),
}


@pytest.mark.parametrize("item", sorted(CASES))
def test_known_cost_is_attributed_to_its_function(runs: list[Report], item: str) -> None:
    """Each step's time lands on its own function and line, within 10% or 10 ms, and
    mostly as the kind of time it is (awaiting, or CPU)."""
    phase, name, tag, kind = CASES[item]
    entry = function(runs[0], phase, name)
    assert Path(entry["file"]).resolve() == (APPS / "profile_costs.py").resolve()
    assert entry["line"] == marker("profile_costs", tag)
    entries = [function(r, phase, name) for r in runs]
    ok, text = close_enough([_own(e) for e in entries], [app_costs(r)[item] for r in runs])
    assert ok, f"{item} ({name}): {text}"
    shares = [e[kind] / _own(e) for e in entries]
    assert statistics.median(shares) >= 0.75, (kind, shares)


def test_cpu_on_the_loop_is_cpu_time(runs: list[Report]) -> None:
    """The busy loop is counted as CPU (mostly: on a loaded machine, waiting for the GIL
    the sampler holds counts as blocked), never as awaiting time."""
    shares = []
    for report in runs:
        entry = function(report, "startup", "build_index")
        assert entry["await_s"] == 0
        assert entry["cpu_s"] > entry["blocked_s"], entry
        shares.append(entry["cpu_s"] / _own(entry))
    assert statistics.median(shares) >= 0.75, shares


def test_to_thread_worker_gets_its_own_time(runs: list[Report]) -> None:
    """The function run by to_thread is a concurrent branch with its own time."""
    entry = function(runs[0], "startup", "read_model_file")
    assert entry["line"] == marker("profile_costs", "thread")
    ok, text = close_enough(
        [function(r, "startup", "read_model_file")["concurrent_s"] for r in runs],
        [app_costs(r)["to_thread"] for r in runs],
    )
    assert ok, f"read_model_file: {text}"
    fan = next(f for f in runs[0]["profile"]["fanouts"] if f["function"].endswith("load_model"))
    assert [b["kind"] for b in fan["branches"]] == ["thread"]
    assert fan["branches"][0]["critical"]


def test_gather_names_its_critical_path(runs: list[Report]) -> None:
    """The gather's three branches each get their own time; the 80 ms one is critical."""
    fans = [
        next(f for f in r["profile"]["fanouts"] if f["function"].endswith("fan_out")) for r in runs
    ]
    for fan in fans:
        assert fan["line"] == marker("profile_costs", "gather")
        assert len(fan["branches"]) == 3
        assert all(b["line"] == marker("profile_costs", "branch") for b in fan["branches"])
        critical = [b for b in fan["branches"] if b["critical"]]
        assert len(critical) == 1
        assert critical[0]["time_s"] == max(b["time_s"] for b in fan["branches"])
    # The branches sleep 20, 50 and 80 ms.
    for rank, seconds in enumerate((0.08, 0.05, 0.02)):
        ok, text = close_enough([f["branches"][rank]["time_s"] for f in fans], [seconds] * RUNS)
        assert ok, f"branch {rank}: {text}"


def test_heavy_import_is_timed_and_rolled_up_by_distribution(runs: list[Report]) -> None:
    """The generated package's import time matches the app's own measure, under its
    distribution's name, and the app's modules are "your code"."""
    ok, text = close_enough(
        [import_node(r, "heavy_vendor")["cumulative_s"] for r in runs],
        [app_costs(r)["heavy_import"] for r in runs],
    )
    assert ok, f"heavy_vendor: {text}"
    report = runs[-1]
    assert import_node(report, "heavy_vendor")["group"] == "heavy-vendor"
    assert import_node(report, "heavy_vendor.mod_0042")["group"] == "heavy-vendor"
    assert import_node(report, "profile_costs")["group"] == "your code"
    groups = {g["name"]: g for g in report["profile"]["imports"][0]["groups"]}
    assert groups["heavy-vendor"]["modules"] == 151
    assert (
        groups["heavy-vendor"]["self_s"] > 0.5 * import_node(report, "heavy_vendor")["cumulative_s"]
    )


def test_phase_parts_add_up_to_the_phase(runs: list[Report]) -> None:
    """CPU, blocked, awaiting and other time of a phase add up to its wall time."""
    for report in runs:
        for cost in report["profile"]["phases"]:
            parts = cost["cpu_s"] + cost["blocked_s"] + cost["await_s"] + cost["other_s"]
            assert parts == pytest.approx(cost["wall_s"], abs=0.002), cost

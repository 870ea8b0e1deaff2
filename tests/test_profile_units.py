"""The pure parts of --profile: parsing -X importtime, folding samples, the report's
JSON round trip, and the early spawn's reading of --profile."""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from asgi_lifespan_check._entry import prescan
from asgi_lifespan_check.frames import CodeClassifier
from asgi_lifespan_check.model import Phase
from asgi_lifespan_check.options import LoadOptions
from asgi_lifespan_check.profiling.build import build
from asgi_lifespan_check.profiling.imports import annotate, parse, synthetic_root
from asgi_lifespan_check.profiling.sampler import Sampler
from asgi_lifespan_check.report import Report
from asgi_lifespan_check.watch import Watchdog
from tests.helpers import APPS
from tests.profile_support import generate_package, profile_json

# As CPython 3.11 prints them: children first, two spaces of indent per level.
IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     c.deep
import time:       200 |        300 |   c
import time:        50 |         50 |   d
import time:        10 |        360 | a
import time:         7 |          7 | b
"""


def test_importtime_lines_become_a_tree() -> None:
    """Post-order lines with indentation give parents with their children, in order."""
    roots = parse(IMPORTTIME.splitlines())
    assert [r["name"] for r in roots] == ["a", "b"]
    a = roots[0]
    assert (a["self_us"], a["cumulative_us"]) == (10, 360)
    assert [c["name"] for c in a["children"]] == ["c", "d"]
    assert [g["name"] for g in a["children"][0]["children"]] == ["c.deep"]


def test_the_target_module_is_a_synthetic_root() -> None:
    """The target's own time is the import phase's minus what its imports took."""
    root = synthetic_root("app", 0.5, parse(IMPORTTIME.splitlines()))
    assert root["name"] == "app"
    assert root["cumulative_us"] == 500_000
    assert root["self_us"] == 500_000 - 367


def _phases() -> list[Phase]:
    return [
        Phase("startup", "ok", 0.1, 1.0),
        Phase("shutdown", "ok", 0.05, 1.2),
    ]


def _samples(samples: list[list[object]]) -> dict[str, object]:
    return {
        "interval_s": 0.005,
        "cpu_clock": True,
        "frames": [
            ["/app.py", 1, "outer", True],
            ["/app.py", 5, "inner", True],
            ["/lib.py", 9, "library", False],
        ],
        "stacks": [[[0, 2], [1, 6]], [[0, 3]], [[2, 10]]],
        "samples": samples,
    }


def test_samples_are_clipped_to_their_phase_and_split_by_kind() -> None:
    """Weights are clipped to the phase windows; the CPU fraction splits running time;
    a phase's last moments are charged to what its last sample saw."""
    profile = build(
        _samples(
            [
                [1.004, 0.01, "run", 0.75, 1, None, []],  # 4 ms inside startup, in outer
                [1.05, 0.046, "run", 0.75, 1, None, []],  # 46 ms, 3/4 of it CPU
                [1.09, 0.04, "run", 1.0, 1, None, []],  # 40 ms of CPU
                [1.104, 0.014, "run", 1.0, 2, None, []],  # seen after startup ended
                [1.21, 0.01, "await", 0.0, 0, "Future", []],  # 10 ms of shutdown
                [1.245, 0.035, "await", 0.0, 0, "Future", []],  # 35 ms, then 5 ms unseen
            ]
        ),
        None,
        _phases(),
        isolated=True,
    )
    startup = profile.phase("startup")
    assert startup is not None
    # 4 + 46 + 40 ms seen in outer, then its last 10 ms held from the last sample.
    assert startup.cpu_s == pytest.approx(0.003 + 0.0345 + 0.04 + 0.01)
    assert startup.blocked_s == pytest.approx(0.001 + 0.0115)
    assert (startup.await_s, startup.other_s) == pytest.approx((0.0, 0.0))
    outer = next(f for f in profile.functions if f.function == "outer")
    assert outer.cpu_s == pytest.approx(startup.cpu_s)
    assert outer.line == 3
    shutdown = profile.phase("shutdown")
    assert shutdown is not None
    assert (shutdown.await_s, shutdown.other_s) == pytest.approx((0.05, 0.0))
    inner = next(f for f in profile.functions if f.function == "inner")
    assert (inner.phase, inner.line, inner.waiting_on) == ("shutdown", 6, "Future")


def test_a_change_of_step_is_placed_within_its_interval() -> None:
    """When a sample sees another step than the one before, its interval is shared: by
    the loop thread's busy time between running and idle, else in the middle."""
    profile = build(
        _samples(
            [
                [1.01, 0.01, "await", 0.0, 0, "Future", []],  # inner awaits 10 ms
                [1.03, 0.02, "run", 0.5, 1, None, []],  # half idle: the await's end
                [1.05, 0.02, "run", 1.0, 2, None, []],  # run after run: 10 ms each
                [1.06, 0.01, "await", 0.0, 0, "Future", []],  # never busy: all inner's
                [1.09, 0.03, "await", 0.0, 1, "Future", []],  # await after await: halves
            ]
        ),
        None,
        _phases(),
        isolated=True,
    )
    startup = profile.phase("startup")
    assert startup is not None
    inner = next(f for f in profile.functions if f.function == "inner")
    outer = next(f for f in profile.functions if f.function == "outer")
    assert inner.await_s == pytest.approx(0.01 + 0.01 + 0.01 + 0.015)
    # 10 ms after the idle part, 10 ms before the library step; 15 ms awaited, and the
    # phase's last 10 ms held from the last sample.
    assert (outer.cpu_s, outer.blocked_s, outer.await_s) == pytest.approx((0.02, 0.0, 0.025))
    assert startup.other_s == pytest.approx(0.01)  # the library step's half


def test_branches_make_a_fanout_with_a_critical_path() -> None:
    """Branches pending while the lifespan awaits are timed apart; the longest is critical."""
    profile = build(
        _samples(
            [
                [
                    1.01,
                    0.01,
                    "await",
                    0.0,
                    0,
                    "asyncio.gather",
                    [["task", "T1", 1, "Future"], ["task", "T2", 1, "Future"]],
                ],
                [1.02, 0.01, "await", 0.0, 0, "asyncio.gather", [["task", "T2", 1, "Future"]]],
            ]
        ),
        None,
        _phases(),
        isolated=True,
    )
    (fan,) = profile.fanouts
    assert (fan.function, fan.line) == ("inner", 6)
    assert fan.wall_s == pytest.approx(0.02)
    assert [(b.name, b.critical) for b in fan.branches] == [("T2", True), ("T1", False)]
    assert [b.time_s for b in fan.branches] == pytest.approx([0.02, 0.01])
    outer = next(f for f in profile.functions if f.function == "outer")
    assert outer.concurrent_s == pytest.approx(0.03)


def test_profiled_report_survives_its_json() -> None:
    """A profiled report read back from its JSON equals the original."""
    report = Report.from_dict(profile_json("profile_trio:app", "--app-dir", str(APPS)))
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report
    assert report.profile is not None
    assert report.profile.functions


@pytest.mark.parametrize(
    ("argv", "profiled"),
    [
        (["app:app"], False),
        (["--profile", "app:app"], True),
        (["--profile-output", "x.trace.json", "app:app"], True),
        (["--profile-top", "3", "--profile-format", "chrome", "app:app"], False),
    ],
)
def test_the_early_spawn_knows_about_profile(
    argv: list[str], profiled: bool, tmp_path: Path
) -> None:
    """--profile and --profile-output decide how the child is started, before parsing,
    and the child started early is the one the run asks for."""
    plans = prescan(argv, cwd=str(tmp_path))
    assert plans is not None
    assert LoadOptions.from_dict(plans[0]) == LoadOptions(target="app:app", profile=profiled)


def test_distribution_is_found_by_its_top_level_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module is rolled up under the distribution that declares it, even when the
    names differ; stdlib modules under "stdlib"."""
    generate_package(tmp_path, "odd_name", 1, distribution=False)
    info = tmp_path / "Different_Dist-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Different-Dist\nVersion: 2.0\n")
    (info / "top_level.txt").write_text("odd_name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("odd_name")
    roots: list[dict[str, Any]] = [
        {"name": name, "self_us": 1, "cumulative_us": 1, "children": []}
        for name in ("odd_name", "odd_name.mod_0000", "json", "sys")
    ]
    annotate(roots, CodeClassifier(), time.time_ns())
    assert [r["group"] for r in roots] == ["Different-Dist", "Different-Dist", "stdlib", "stdlib"]
    monkeypatch.delitem(sys.modules, "odd_name")
    monkeypatch.delitem(sys.modules, "odd_name.mod_0000")


def test_our_threads_never_run_a_garbage_collection() -> None:
    """The sampler and the watchdog never trip a collection themselves: a full one holds
    the GIL for tens of ms and would stall the app's loop at a random moment."""
    ran_in: list[str] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            ran_in.append(threading.current_thread().name)

    async def idle() -> None:
        await asyncio.sleep(0.2)

    loop = asyncio.new_event_loop()
    task = loop.create_task(idle())
    sampler = Sampler(CodeClassifier(), t0=time.perf_counter(), phase=lambda: "startup")
    watchdog = Watchdog(CodeClassifier(), block_threshold=0.04)
    thresholds = gc.get_threshold()
    gc.callbacks.append(record)
    gc.set_threshold(1, 1, 1)  # every allocation collects: whoever allocates, collects
    try:
        sampler.start(lambda: task)
        watchdog.start()
        loop.run_until_complete(task)
    finally:
        sampler.stop()
        watchdog.stop()
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(record)
        loop.close()
    assert "MainThread" in ran_in  # the loop's own allocations did collect
    samples = len(sampler.event()["samples"])
    ours = Counter(name for name in ran_in if name.startswith("lifespan-check-"))
    assert samples >= 10
    # A thread's start and end allocate (a handful of collections here, where every
    # allocation collects); its ticks, every few ms, never do (hundreds without the fix).
    assert all(count <= 10 for count in ours.values()), (samples, ours)

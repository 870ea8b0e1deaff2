"""Helpers for the --profile tests: generated packages, profiled runs, the apps' own
timings. Running the tool and finding marked lines are tests/helpers.py's."""

from __future__ import annotations

import re
import statistics
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.helpers import APPS, Report, run_cli


def generate_package(root: Path, name: str, modules: int, *, distribution: bool) -> Path:
    """Write package `name` with `modules` submodules that each do ~1 ms of work at
    import, imported by its __init__; with `distribution`, as an installed one (dist-info)."""
    package = root / name
    package.mkdir(parents=True)
    body = textwrap.dedent(
        """\
        TABLE = [i * i for i in range(12000)]


        class Model{n}:
            fields = tuple(range(20))

            def total(self):
                return sum(TABLE)
        """
    )
    for n in range(modules):
        (package / f"mod_{n:04d}.py").write_text(body.format(n=n))
    imports = "".join(f"from . import mod_{n:04d}\n" for n in range(modules))
    (package / "__init__.py").write_text(imports)
    if distribution:
        dist = f"{name.replace('_', '-')}"
        info = root / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "top_level.txt").write_text(f"{name}\n")
        (info / "RECORD").write_text(f"{name}/__init__.py,,\n")
    return package


def profile_json(
    target: str, *extra: str, env: Mapping[str, str] | None = None, app_dir: Path = APPS
) -> Report:
    """A --profile run of `target` in JSON; fails the test unless it passed."""
    args = ["--format", "json", "--profile", "--app-dir", str(app_dir), *extra, target]
    run = run_cli(args, env=env, timeout=60.0)
    assert run.rc == 0, f"exit {run.rc}: {run.stderr}\n{run.report['findings']}"
    report: Report = run.report
    return report


def app_costs(report: Report) -> dict[str, float]:
    """What the app measured itself: `cost NAME SECONDS` lines on its stdout."""
    found = re.findall(r"^cost (\S+) ([0-9.]+)$", report["output"]["stdout"], re.M)
    return {name: float(value) for name, value in found}


def function(report: Report, phase: str, name: str) -> dict[str, Any]:
    """The profile entry of function `name` in `phase`."""
    found = [
        f
        for f in report["profile"]["functions"]
        if f["phase"] == phase and f["function"].rpartition(".")[2] == name
    ]
    assert len(found) == 1, f"{len(found)} entries for {name} in {phase}"
    entry: dict[str, Any] = found[0]
    return entry


def import_node(report: Report, name: str) -> dict[str, Any]:
    """The node of module `name` in the import tree."""
    stack = [n for imports in report["profile"]["imports"] for n in imports["roots"]]
    while stack:
        node = stack.pop()
        if node["name"] == name:
            found: dict[str, Any] = node
            return found
        stack.extend(node["children"])
    raise AssertionError(f"{name} is not in the import tree")


def close_enough(measured: Sequence[float], truth: Sequence[float]) -> tuple[bool, str]:
    """The issue's bound on the median of per-run errors: within 10% or 10 ms."""
    errors = [m - t for m, t in zip(measured, truth, strict=True)]
    error = statistics.median(errors)
    expected = statistics.median(truth)
    bound = max(0.10 * expected, 0.010)
    text = (
        f"measured {[round(m * 1000, 1) for m in measured]} ms against "
        f"{[round(t * 1000, 1) for t in truth]} ms (median error {error * 1000:+.1f} ms, "
        f"bound ±{bound * 1000:.1f} ms)"
    )
    return abs(error) <= bound, text

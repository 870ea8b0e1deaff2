"""The entry point's quick argv scan: its option tables match the CLI, and it starts the
right children early, for targets on the command line and targets from the config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asgi_lifespan_check import _entry
from asgi_lifespan_check import config as configuration
from asgi_lifespan_check.options import LoadOptions
from asgi_lifespan_check.settings import resolve
from tests.gate_helpers import run_cli, write_project


def test_scan_plans_one_child_per_target_up_to_jobs() -> None:
    """Several targets get one early child each, but never more than --jobs."""
    plans = _entry.prescan(["--no-config", "-j", "2", "a:app", "b:app", "c:app", "a:app"])
    assert plans is not None
    assert [p["target"] for p in plans] == ["a:app", "b:app"]


def test_scan_reads_targets_and_overrides_from_the_config(tmp_path: Path) -> None:
    """With no target on the command line, the config's targets and their load settings
    (relative to the config file) are what the children are started for."""
    write_project(
        tmp_path,
        """
        [tool.lifespan-check]
        targets = ["gate_ok:app", "gate_slow:app"]
        import-timeout = 5
        [tool.lifespan-check.overrides."gate_slow:app"]
        app-dir = "sub"
        factory = false
        """,
    )
    (tmp_path / "sub").mkdir()
    plans = _entry.prescan(["-j", "4"], cwd=str(tmp_path))
    assert plans == [
        {
            "target": "gate_ok:app",
            "app_dir": str(tmp_path),
            "env_file": None,
            "factory": False,
            "import_timeout": 5.0,
        },
        {
            "target": "gate_slow:app",
            "app_dir": str(tmp_path / "sub"),
            "env_file": None,
            "factory": False,
            "import_timeout": 5.0,
        },
    ]
    # The real run computes the same load options, so it adopts these children.
    found = configuration.discover(str(tmp_path))
    plan = resolve({"jobs": 4}, found)
    assert [t.load for t in plan.targets] == [LoadOptions.from_dict(dict(p)) for p in plans]


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-isolate", "a:app"],
        ["--explain", "LC101"],
        ["--unknown-option", "a:app"],
        ["--jobs"],
        ["-j", "many", "a:app"],
        ["--config", "does-not-exist.toml", "a:app"],
    ],
)
def test_scan_starts_nothing_when_unsure(argv: list[str]) -> None:
    """Anything the scan cannot be sure of starts no child (typer then decides)."""
    assert _entry.prescan(argv) is None


def test_early_children_from_the_config_are_used_and_none_is_left(tmp_path: Path) -> None:
    """A real run with targets from the config adopts the early children and leaves no
    process behind (each run's environment carries a marker to look for)."""
    write_project(
        tmp_path,
        '[tool.lifespan-check]\ntargets = ["gate_ok:app", "gate_slow:app"]\nformat = "json"\n',
        ["gate_ok", "gate_slow"],
    )
    token = f"lc-gate-test-{os.getpid()}"
    run = run_cli([], cwd=tmp_path, env={"LC_GATE_TOKEN": token})
    assert run.rc == 0, run.stderr
    assert [r["target"] for r in run.json()["results"]] == ["gate_ok:app", "gate_slow:app"]
    assert _processes_with(token) == []


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if token.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_scan_starts_no_more_children_than_the_run_allows(tmp_path: Path) -> None:
    """Without -j, the early children never outnumber the run's own default --jobs."""
    targets = [f"t{i}:app" for i in range(64)]
    plans = _entry.prescan(["--no-config", *targets], cwd=str(tmp_path))
    assert plans is not None
    assert len(plans) == configuration.default_jobs()

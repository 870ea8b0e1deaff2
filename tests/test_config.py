"""[tool.lifespan-check]: discovery, precedence over it, and errors that name key and file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asgi_lifespan_check import config as configuration
from asgi_lifespan_check.errors import ConfigError
from tests.gate_helpers import finding, invoke, run_cli, write_project

HANG_PROJECT = """
    [tool.lifespan-check]
    targets = ["gate_hang:app", "gate_ok:app"]
    startup-timeout = 0.2
    format = "json"

    [tool.lifespan-check.overrides."gate_ok:app"]
    startup-timeout = 5
"""


def test_targets_come_from_the_nearest_pyproject_with_the_table(tmp_path: Path) -> None:
    """Run from a subfolder, the targets of the project's table are checked, imported from
    the table's folder; a pyproject.toml without the table on the way is passed over."""
    root = write_project(
        tmp_path / "project",
        '[tool.lifespan-check]\ntargets = ["gate_ok:app"]\nformat = "json"\n',
        ["gate_ok"],
    )
    sub = root / "services" / "api"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text('[project]\nname = "api"\n')
    run = run_cli([], cwd=sub)
    assert run.rc == 0, run.stderr
    report = run.json()
    assert report["target"] == "gate_ok:app"
    assert report["passed"] is True


def test_command_line_beats_override_beats_top_level(tmp_path: Path) -> None:
    """For each target the command line wins, then its override table, then the top level."""
    write_project(tmp_path, HANG_PROJECT, ["gate_hang", "gate_ok"])
    from_file = run_cli([], cwd=tmp_path)
    assert from_file.rc == 4  # the worst of (4, 0)
    results = {r["target"]: r for r in from_file.json()["results"]}
    assert "within 0.2 s" in finding(results["gate_hang:app"], "LC103")["message"]
    assert results["gate_ok:app"]["passed"] is True

    from_cli = run_cli(["--startup-timeout", "0.3", "gate_hang:app"], cwd=tmp_path)
    assert from_cli.rc == 4
    assert "within 0.3 s" in finding(from_cli.json(), "LC103")["message"]


def test_override_table_applies_to_its_target_only(tmp_path: Path) -> None:
    """An override table changes its own target's settings and leaves the others alone."""
    write_project(
        tmp_path,
        """
        [tool.lifespan-check]
        targets = ["gate_hang:app", "gate_ok:app"]
        startup-timeout = 5
        format = "json"
        [tool.lifespan-check.overrides."gate_hang:app"]
        startup-timeout = 0.25
        """,
        ["gate_hang", "gate_ok"],
    )
    run = run_cli([], cwd=tmp_path)
    results = {r["target"]: r for r in run.json()["results"]}
    assert "within 0.25 s" in finding(results["gate_hang:app"], "LC103")["message"]
    assert results["gate_ok:app"]["exit_code"] == 0


def test_explicit_config_file_and_no_config(tmp_path: Path) -> None:
    """--config FILE reads another file; --no-config ignores even a broken one."""
    write_project(tmp_path, "[tool.lifespan-check]\nstartup-timeout = 'soon'\n", ["gate_ok"])
    other = tmp_path / "ci" / "lifespan.toml"
    other.parent.mkdir()
    other.write_text('[tool.lifespan-check]\ntargets = ["gate_ok:app"]\nformat = "json"\n')
    explicit = run_cli(["--config", str(other), "--app-dir", str(tmp_path)], cwd=tmp_path)
    assert explicit.rc == 0, explicit.stderr
    assert explicit.json()["target"] == "gate_ok:app"
    ignored = run_cli(["--no-config", "-f", "json", "gate_ok:app"], cwd=tmp_path)
    assert ignored.rc == 0, ignored.stderr
    assert ignored.json()["passed"] is True


BAD_CONFIGS = [
    ("startup-timout = 3", ["unknown key 'startup-timout'", "did you mean 'startup-timeout'"]),
    ("startup-timeout = '3s'", ["startup-timeout must be a number of seconds", "'3s'"]),
    ("repeat = 0", ["repeat must be a whole number >= 1"]),
    ("strict = 'yes'", ["strict must be true or false"]),
    ("backend = 'curio'", ["backend must be one of 'asyncio', 'trio'"]),
    ("targets = []", ["targets must be", "empty list"]),
    ("targets = 'app'", ["targets", "'app'", "module:attribute"]),
    ("ignore = ['LC999']", ["ignore", "LC999"]),
    # Comma-separated in one string, as on the command line: only the unknown one named.
    ("ignore = ['LC206,LC999']", ["ignore: unknown finding code(s) LC999;"]),
    ("tolerance = 'a lot'", ["tolerance must be a percentage"]),
    (
        '[tool.lifespan-check.overrides."x:app"]\nstartup-timeout = 1',
        ['overrides."x:app"', "not in targets"],
    ),
    (
        '[tool.lifespan-check.overrides."gate_ok:app"]\njobs = 2',
        ["unknown key 'jobs'", "only be set at the top level"],
    ),
    ("overrides = 3", ["overrides must be a table of tables"]),
    # Values of the right type that name something unusable: still the file and the key.
    ("app-dir = 'nowhere'", ["app-dir: ", "nowhere' is not a directory"]),
    ("env-file = 'missing.env'", ["env-file: ", "missing.env' does not exist"]),
    ("probe = ['FETCH /x']", ["] probe: probe 'FETCH /x'", "not an HTTP method"]),
    ("probe-status = ['abc']", ["] probe-status: probe status 'abc'"]),
    ("format = [", ["not valid TOML"]),
    # One rule per duration, the command line's: > 0 for timeouts, finite for all.
    ("startup-timeout = 0", ["startup-timeout must be a number of seconds > 0", "0"]),
    ("startup-timeout = -3", ["startup-timeout must be a number of seconds > 0", "-3"]),
    ("block-threshold = 0", ["block-threshold must be a number of seconds > 0"]),
    ("probe-timeout = 0", ["probe-timeout must be a number of seconds > 0"]),
    ("startup-timeout = inf", ["startup-timeout must be", "inf (it must be finite)"]),
    ("hold = nan", ["hold must be a number of seconds >= 0", "nan (it must be finite)"]),
    (
        '[tool.lifespan-check.overrides."gate_ok:app"]\nimport-timeout = 0',
        ['overrides."gate_ok:app"] import-timeout must be a number of seconds > 0'],
    ),
    ("json = '.'", ["[tool.lifespan-check] json: ", "is a directory"]),
]


@pytest.mark.parametrize(("body", "expected"), BAD_CONFIGS, ids=[b for b, _ in BAD_CONFIGS])
def test_bad_config_is_a_usage_error_naming_key_and_file(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    """A bad key or value exits 2 with one paragraph naming the file and the key."""
    targets = "" if body.startswith("targets") else 'targets = ["gate_ok:app"]\n'
    write_project(tmp_path, f"[tool.lifespan-check]\n{targets}{body}\n", ["gate_ok"])
    run = run_cli([], cwd=tmp_path)
    assert run.rc == 2, run.stderr
    assert run.stdout == ""
    assert "pyproject.toml: " in run.stderr
    assert "--" not in run.stderr  # named as set in the file, not as an option
    for fragment in expected:
        assert fragment in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--config", "missing.toml", "gate_ok:app"], "missing.toml: the configuration file"),
        (["--config", "empty.toml", "gate_ok:app"], "has no [tool.lifespan-check] table"),
        (["--config", "empty.toml", "--no-config", "gate_ok:app"], "cannot be used together"),
    ],
)
def test_config_option_errors(tmp_path: Path, args: list[str], expected: str) -> None:
    """--config with a missing file, a file without the table, or with --no-config: exit 2."""
    (tmp_path / "empty.toml").write_text("[tool.other]\nx = 1\n")
    run = run_cli(args, cwd=tmp_path)
    assert run.rc == 2
    assert expected in run.stderr
    assert "Traceback" not in run.stderr


def test_no_target_anywhere_is_a_usage_error() -> None:
    """Without a target on the command line or in a config, the error says where to put one."""
    run = invoke([])
    assert run.rc == 2
    assert "TARGET" in run.stderr


def test_paths_in_the_file_count_from_its_folder(tmp_path: Path) -> None:
    """app-dir, env-file and output paths in the file are relative to the file, not the cwd."""
    (tmp_path / "src").mkdir()
    (tmp_path / ".env.ci").write_text("X=1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lifespan-check]\napp-dir = "src"\nenv-file = ".env.ci"\n'
        'junit-xml = "reports/lifespan.xml"\ntolerance = "15%"\n'
    )
    found = configuration.discover(str(tmp_path / "src"))
    assert found is not None
    assert found.values["app-dir"] == str(tmp_path / "src")
    assert found.values["env-file"] == str(tmp_path / ".env.ci")
    assert found.values["junit-xml"] == str(tmp_path / "reports" / "lifespan.xml")
    assert found.values["tolerance"] == 15.0
    plan = configuration.load_plan("app:app", {"app-dir": "elsewhere"}, found)
    assert plan["app_dir"] == "elsewhere"  # the command line's own path, as typed
    assert plan["env_file"] == str(tmp_path / ".env.ci")


@pytest.mark.parametrize(
    ("value", "expected"), [("20%", 20.0), ("20", 20.0), (20, 20.0), (7.5, 7.5), (" 5 % ", 5.0)]
)
def test_tolerance_is_always_a_percentage(value: object, expected: float) -> None:
    """ "20%", "20" and 20 all mean 20 percent."""
    assert configuration.parse_percent(value) == expected


@pytest.mark.parametrize("value", ["-1%", "lots", True, None, float("inf")])
def test_bad_tolerances_are_refused(value: object) -> None:
    """Negative, non-numeric, boolean and infinite tolerances are errors."""
    with pytest.raises(ValueError, match=re.escape(str(value))):
        configuration.parse_percent(value)


def test_a_file_that_only_mentions_the_tool_is_not_parsed_twice(tmp_path: Path) -> None:
    """A pyproject.toml that names the tool as a dependency, without the table, is no config."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["asgi-lifespan-check"]\n'
    )
    assert configuration.find(str(tmp_path)) is not None  # it mentions us...
    assert configuration.discover(str(tmp_path)) is None  # ...but has no table
    with pytest.raises(ConfigError, match="has no"):
        configuration.load(str(tmp_path / "pyproject.toml"), explicit=True)


def test_config_accepts_exactly_the_emulated_servers() -> None:
    """The config's spelled-out server names stay equal to the ones --emulate knows."""
    from asgi_lifespan_check import config, emulate

    assert config.KEYS["emulate"] == emulate.SERVERS


def test_nothing_heavy_is_imported_before_the_child_is_spawned(tmp_path: Path) -> None:
    """Without a config file, the scan before the spawn imports neither typing nor
    dataclasses (a config file costs tomllib, which is fair)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from asgi_lifespan_check import _entry, _spawn\n"
        "_entry.prescan(['app:app'])\n"
        "print(sorted({'typing', 'dataclasses', 'asyncio', 'typer'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"

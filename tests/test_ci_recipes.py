"""The CI recipes in the README work as written: their lifespan-check command lines are
run, exactly as they appear there, against a small project configured as documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import xmlschema
from junitparser import JUnitXml

from asgi_lifespan_check import config as configuration
from tests.gate_helpers import BIN, REPO, SCHEMAS, env_for, write_project

README = (REPO / "README.md").read_text()
PROJECT = """
    [tool.lifespan-check]
    targets = ["gate_ok:app", "gate_fastapi_state:app"]
    probe = ["GET /healthz"]
    [tool.lifespan-check.overrides."gate_ok:app"]
    probe = []
"""


def section(heading: str) -> str:
    """The README text from `heading` to the next heading of the same level or above."""
    start = README.index(heading)
    level = heading.split(" ", maxsplit=1)[0]
    rest = README[start + len(heading) :]
    # Headings start with a letter or a backtick; the recipes' YAML comments with a dot.
    match = re.search(rf"^#{{1,{len(level)}}} [A-Za-z`]", rest, re.MULTILINE)
    return rest[: match.start()] if match else rest


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def commands(heading: str) -> list[list[str]]:
    """The lifespan-check command lines in a recipe's YAML."""
    (yaml,) = blocks(section(heading), "yaml")
    found = []
    for line in yaml.splitlines():
        stripped = line.strip().removeprefix("- ").removeprefix("run: ").strip()
        if stripped.startswith("lifespan-check"):
            found.append(shlex.split(stripped))
    assert found, f"no lifespan-check command in the {heading} recipe"
    return found


def run_in(project: Path, argv: list[str], env: dict[str, str] | None = None) -> int:
    import subprocess

    assert argv[0] == "lifespan-check"
    proc = subprocess.run(
        [str(BIN), *argv[1:]],
        cwd=project,
        env=env_for(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.returncode


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", PROJECT, ["gate_ok", "gate_fastapi_state"])


def test_github_actions_recipe(project: Path, tmp_path: Path) -> None:
    """The GitHub Actions step passes, writes both reports and the job summary."""
    summary = tmp_path / "step-summary.md"
    for argv in commands("### GitHub Actions"):
        run_in(project, argv, {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"})
    schema = xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit-10.xsd"))
    schema.validate((project / "reports" / "lifespan.xml").read_text())
    assert (project / "reports" / "lifespan.json").exists()
    assert "lifespan-check passed" in summary.read_text()


def test_gitlab_ci_recipe(project: Path) -> None:
    """The GitLab CI script passes and leaves the JUnit report GitLab reads."""
    for argv in commands("### GitLab CI"):
        run_in(project, argv)
    xml = JUnitXml.fromfile(str(project / "reports" / "lifespan.xml"))
    assert [suite.name for suite in xml] == ["gate_ok:app", "gate_fastapi_state:app"]


def test_pre_commit_hook_and_recipe(project: Path) -> None:
    """The hook in .pre-commit-hooks.yaml and the README's local hook run the same command."""
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    (entry,) = re.findall(r"^\s*entry: (.+)$", hooks, re.MULTILINE)
    assert "language: system" in hooks
    assert "pass_filenames: false" in hooks
    (recipe,) = blocks(section("### pre-commit"), "yaml")
    assert f"entry: {entry}" in recipe
    run_in(project, shlex.split(entry))


def test_documented_configuration_is_valid(tmp_path: Path) -> None:
    """The README's example [tool.lifespan-check] table passes the config checks."""
    (toml,) = blocks(section("## Configuration"), "toml")
    (tmp_path / "pyproject.toml").write_text(toml)
    found = configuration.load(str(tmp_path / "pyproject.toml"), explicit=True)
    assert found is not None
    assert found.values["targets"] == ("app.main:app", "app.admin:app")
    assert found.overrides["app.admin:app"]["startup-timeout"] == 60.0

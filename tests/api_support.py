"""Helpers for the API and plugin tests: import the target apps of tests/apps/ by name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

APPS = Path(__file__).resolve().parent / "apps"
REPO = APPS.parent.parent
EXAMPLES = REPO / "examples"


def app_module(name: str, directory: Path = APPS) -> ModuleType:
    """The module DIRECTORY/NAME.py (tests/apps), imported once under NAME, as `NAME:app`
    would be."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, directory / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def app(name: str) -> Any:
    """The `app` object of tests/apps/NAME.py."""
    return app_module(name).app


def marker(name: str, tag: str) -> int:
    """The line of tests/apps/NAME.py that ends with the comment `# <- TAG`."""
    lines = (APPS / f"{name}.py").read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith(f"# <- {tag}")]
    assert len(found) == 1, f"{name}.py has {len(found)} lines marked {tag!r}"
    return found[0]

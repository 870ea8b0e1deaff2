"""GitHub Actions workflow commands: one annotation per finding.

    ::error file=app/db.py,line=5,title=LC101 Startup raised an exception::app:app: ...

Escaping follows the Actions toolkit (@actions/core, command.ts): the message escapes
`%`, CR and LF; property values escape those and also `:` and `,`, which separate
properties. Newlines in a message therefore stay inside one annotation.
"""

from __future__ import annotations

import os
from typing import Any

from ..model import Finding
from ..report import Report
from ..results import Results
from ._common import literal


def escape_data(text: str) -> str:
    """A workflow command's message (after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file=..., title=...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str], message: str) -> str:
    """One workflow command line; properties with empty values are left out."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items() if v)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _level(finding: Finding, report: Report) -> str:
    if finding.severity == "error" or (report.strict and finding.severity == "warning"):
        return "error"
    return "warning" if finding.severity == "warning" else "notice"


def _path(file: str) -> str | None:
    """The file relative to the workspace, where GitHub can show it; None if outside."""
    root = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        relative = os.path.relpath(os.path.abspath(file), root)
    except ValueError:
        return None
    return None if relative.startswith("..") else relative


def annotation(finding: Finding, report: Report) -> str:
    properties: dict[str, str] = {}
    location = finding.location
    if location is not None and location.user:
        path = _path(location.file)
        if path is not None:
            properties["file"] = path
            properties["line"] = str(location.line)
    properties["title"] = f"{finding.code} {finding.title}"
    lines = [f"{report.target}: {finding.message.strip()}"]
    if location is not None:
        lines.append(f"at {location.file}:{location.line} in {location.function}")
    if finding.hint:
        lines.append(f"hint: {finding.hint}")
    lines.append(f"more: lifespan-check explain {finding.code}")
    return command(_level(finding, report), properties, literal("\n".join(lines)))


def render(results: Results, **_: Any) -> str:
    lines = [annotation(f, r) for r in results.reports for f in r.findings]
    return "\n".join(lines) + ("\n" if lines else "")

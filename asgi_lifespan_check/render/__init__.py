"""Renderers: one module per format, each a pure function of a Report.

Only `terminal.py` imports rich, and only when a rich report is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..report import Report

FORMATS = ("rich", "json", "text")


def render(report: Report, fmt: str, **options: Any) -> str:
    """The report as text in format `fmt`."""
    if fmt == "json":
        from .json import render as render_json

        return render_json(report)
    if fmt == "text":
        from .text import render as render_text

        return render_text(report, **options)
    if fmt == "rich":
        from .terminal import render as render_rich

        return render_rich(report, **options)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")

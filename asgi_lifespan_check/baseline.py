"""Baselines: save the phase medians (--save-baseline FILE), compare later (--baseline):
LC505 when a phase got slower beyond the tolerance and beyond an absolute floor.

The file is JSON, keyed by target, so one file serves a project with several apps and
can be committed beside the code:

    {"schema": "lifespan-check-baseline/1",
     "targets": {"app.main:app": {"import": 0.41, "startup": 0.12, "shutdown": 0.01,
                                  "total": 0.54}}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import findings
from .errors import UsageError
from .gate_model import BaselineComparison, BaselineDelta
from .model import Finding, Severity, duration
from .report import Report

SCHEMA = "lifespan-check-baseline/1"
# The phases judged against the baseline ("total" is recorded, and shown, but a slower
# phase already says what got slower).
JUDGED = ("import", "startup", "shutdown")

Entries = dict[str, dict[str, float]]


class _Unusable(Exception):
    """What is wrong with a file that should hold a baseline (completes "the file ...")."""


def read(path: str) -> Entries:
    """The figures saved in a --baseline file, by target; a UsageError if it is unusable."""
    try:
        return _load(path)
    except FileNotFoundError:
        raise UsageError(
            f"the baseline file {path!r} does not exist; create it first with "
            f"--save-baseline {path}"
        ) from None
    except _Unusable as exc:
        raise UsageError(
            f"the baseline file {path!r} {exc}; write one with --save-baseline"
        ) from None


def existing(path: str) -> Entries | None:
    """The figures already in a --save-baseline file, kept when it is updated; None when
    there is no file yet. A file that holds no baseline is refused, not overwritten: it
    may be anything (a mistyped name), and what it held would be lost."""
    try:
        return _load(path)
    except FileNotFoundError:
        return None
    except _Unusable as exc:
        raise UsageError(
            f"--save-baseline {path!r} {exc}, so it is not overwritten: remove it or "
            "name another file"
        ) from None


def _load(path: str) -> Entries:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise _Unusable(f"cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise _Unusable(f'is not a lifespan-check baseline (no "schema": {SCHEMA!r})')
    targets = data.get("targets")
    if not isinstance(targets, dict):
        raise _Unusable('has no "targets" table')
    entries: Entries = {}
    for target, figures in targets.items():
        if not isinstance(figures, dict):
            raise _Unusable(f"has {str(target)!r}, which is not a table of figures")
        entries[str(target)] = {
            str(k): float(v)
            for k, v in figures.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
    return entries


def dump(medians: Mapping[str, Mapping[str, float]], existing: Entries | None = None) -> str:
    """The baseline file's text: `existing` entries updated with these targets' medians."""
    from ._version import __version__

    targets: dict[str, Any] = dict(existing or {})
    for target, figures in medians.items():
        targets[target] = {name: round(value, 6) for name, value in figures.items()}
    document = {
        "schema": SCHEMA,
        "tool": {"name": "lifespan-check", "version": __version__},
        "targets": targets,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def compare(
    report: Report,
    medians: Mapping[str, float],
    entries: Entries,
    *,
    file: str,
    tolerance_pct: float,
    floor_s: float,
    severity: Severity = "error",
    runs: int = 1,
) -> tuple[BaselineComparison, list[Finding]]:
    """This target's figures against its baseline: the comparison and any LC505."""
    saved = entries.get(report.target)
    if saved is None:
        return BaselineComparison(file, tolerance_pct, floor_s, found=False), []
    deltas = []
    out = []
    for name in (*JUDGED, "total"):
        if name not in saved or name not in medians:
            continue
        before, now = saved[name], medians[name]
        regressed = (
            name in JUDGED and now > before * (1 + tolerance_pct / 100) and now - before > floor_s
        )
        delta = BaselineDelta(name=name, baseline_s=before, current_s=now, regressed=regressed)
        deltas.append(delta)
        if regressed:
            out.append(_finding(delta, tolerance_pct, floor_s, severity, runs))
    return BaselineComparison(file, tolerance_pct, floor_s, tuple(deltas)), out


def _finding(
    delta: BaselineDelta, tolerance_pct: float, floor_s: float, severity: Severity, runs: int
) -> Finding:
    change = delta.change_pct
    # The difference itself: with a small floor, whole milliseconds may round it away.
    slower = f"+{(delta.current_s - delta.baseline_s) * 1000:.1f} ms"
    change_text = f" ({slower}, +{change:.1f} %)" if change is not None else f" ({slower})"
    measured = f"the median {delta.name} of {runs} runs" if runs > 1 else delta.name
    floor = "no floor" if floor_s == 0 else f"the floor of {duration(floor_s)}"
    return findings.make(
        "LC505",
        phase=delta.name,
        message=f"{measured} took {duration(delta.current_s)} against "
        f"{duration(delta.baseline_s)} in the baseline{change_text}, beyond the tolerance "
        f"of {tolerance_pct:g} % and {floor}",
        severity=severity,
        details=delta.to_dict() | {"tolerance_pct": tolerance_pct, "floor_s": floor_s},
        hint="find what made it slower, or save a new baseline with --save-baseline",
    )

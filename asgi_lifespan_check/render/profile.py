"""The `--profile` section of the human reports, as lines of (text, style) segments.

Shared by `text.py` and `terminal.py` (which only adds colour), so both say the same.
"""

from __future__ import annotations

from ..model import duration
from ..profiling.model import FunctionCost, ImportNode, Imports, Profile
from ..report import Report
from ._common import literal, short_path
from .timeline import Line, waterfall

_NAME = 20
_IMPORT_NAME = 36


def lines(report: Report, *, width: int = 80, top: int = 10) -> list[Line]:
    """The whole profile section: timeline, attribution per phase, imports, notes."""
    profile = report.profile
    if profile is None:
        return []
    out: list[Line] = [[(" profile ", "bold")]]
    for imports in profile.imports:
        out.extend(_imports(imports, top, width))
        out.append([])
    for cost in profile.phases:
        out.extend(_phase(profile, cost.phase, top, width))
        out.append([])
    if profile.phases:
        out.extend(waterfall(report.phases, profile, width=width, top=top))
    for note in profile.notes:
        out.append([])
        out.append([("  note: " + note, "dim")])
    while out and not out[-1]:
        out.pop()
    return out


def _ms(seconds: float) -> str:
    return "-" if seconds < 0.0005 else duration(seconds)


def _fit(path: str, room: int) -> str:
    """A file:line cut from the left to fit `room` columns (the file name is what counts)."""
    return path if len(path) <= room else "…" + path[-max(8, room - 1) :]


def _phase(profile: Profile, phase: str, top: int, width: int) -> list[Line]:
    cost = profile.phase(phase)
    assert cost is not None
    every = f"every {duration(profile.interval_s)}" if profile.interval_s else ""
    head: Line = [
        (f"  {phase} {duration(cost.wall_s)}", "bold"),
        (": ", "dim"),
        (f"CPU {_ms(cost.cpu_s)}", "cpu"),
        (" · ", "dim"),
        (f"blocked {_ms(cost.blocked_s)}", "blocked"),
        (" · ", "dim"),
        (f"awaiting {_ms(cost.await_s)}", "await"),
    ]
    if cost.other_s >= 0.0005:
        head += [(" · ", "dim"), (f"other {_ms(cost.other_s)}", "dim")]
    if width >= 100:
        head.append((f"  ({cost.samples} samples {every})", "dim"))
    out = [head]
    functions = profile.functions_in(phase)[:top]
    if not functions:
        out.append([("    no sample landed in your code", "dim")])
        return out
    out.append(
        [
            (
                f"    {'function':<{_NAME}} {'CPU':>7} {'blocked':>7} {'awaited':>7} "
                f"{'branch':>7}  where",
                "dim",
            )
        ]
    )
    out.extend(_function(f, width) for f in functions)
    for fan in (f for f in profile.fanouts if f.phase == phase):
        kinds = sorted({b.kind for b in fan.branches})
        what = " and ".join(f"{k}s" for k in kinds) if kinds else "branches"
        out.append(
            [
                ("    ⑂ ", "dim"),
                (literal(fan.function), "bold"),
                (f" waited {duration(fan.wall_s)} on {len(fan.branches)} concurrent {what} ", ""),
                (_fit(f"{short_path(fan.file)}:{fan.line}", width - 60), "path"),
            ]
        )
        critical = fan.critical
        if critical is not None:
            label = f"{literal(critical.name)} {literal(critical.function)}"
            took = f" {duration(critical.time_s)} "
            room = width - 21 - len(label) - len(took)
            out.append(
                [
                    ("      critical path: ", "dim"),
                    (label, "critical"),
                    (took, ""),
                    (_fit(f"{short_path(critical.file)}:{critical.line}", room), "path"),
                ]
            )
        rest = [
            f"{literal(b.name)} {duration(b.time_s)}" + (" ★" if b.critical else "")
            for b in fan.branches[:6]
        ]
        more = f" · {len(fan.branches) - 6} more" if len(fan.branches) > 6 else ""
        out.append([("      branches: " + " · ".join(rest) + more, "dim")])
    return out


def _function(f: FunctionCost, width: int) -> Line:
    name = literal(f.function)
    if len(name) > _NAME:
        name = "…" + name[-(_NAME - 1) :]
    waiting = f" (on {literal(f.waiting_on)})" if f.waiting_on and f.await_s >= 0.0005 else ""
    return [
        (f"    {name:<{_NAME}} ", "bold"),
        (f"{_ms(f.cpu_s):>7} ", "cpu"),
        (f"{_ms(f.blocked_s):>7} ", "blocked"),
        (f"{_ms(f.await_s):>7} ", "await"),
        (f"{_ms(f.concurrent_s):>7}", "concurrent"),
        ("  " + _fit(f"{short_path(f.file)}:{f.line}", width - 58), "path"),
        (waiting if width >= 110 else "", "dim"),
    ]


def _imports(imports: Imports, top: int, width: int) -> list[Line]:
    compiled = imports.compiled
    head: Line = [
        (f"  {imports.phase} {duration(imports.total_s)}", "bold"),
        (f" · {imports.modules} modules", "dim"),
    ]
    if compiled:
        slow = sum(n.self_s for n in compiled)
        head.append((f" · {len(compiled)} without a cached .pyc ({duration(slow)})", "blocked"))
    out = [head]
    groups = ""
    for group in imports.groups:
        entry = f"{literal(group.name)} {duration(group.self_s)}"
        if groups and len(groups) + len(entry) + 3 > width - 21:
            break
        groups = f"{groups} · {entry}" if groups else entry
    if groups:
        out.append([("    by distribution: ", "dim"), (groups, "")])
    out.append(
        [
            (
                f"    {'slowest imports':<{_IMPORT_NAME}} {'cumulative':>10} {'self':>7}  "
                "distribution",
                "dim",
            )
        ]
    )
    out.extend(_import_tree(imports, top))
    return out


def _import_tree(imports: Imports, top: int) -> list[Line]:
    """The top modules by cumulative time, shown within the tree (with their parents)."""
    chosen = {id(n) for n in imports.top(top)}
    out: list[Line] = []
    for root in imports.roots:
        for path in _paths(root, chosen):
            depth, node = path
            indent = "  " * min(depth, 8)
            name = literal(indent + node.name)
            if len(name) > _IMPORT_NAME:
                name = name[: _IMPORT_NAME - 1] + "…"
            line: Line = [
                (f"    {name:<{_IMPORT_NAME}} ", ""),
                (f"{duration(node.cumulative_s):>10} ", "bold"),
                (f"{duration(node.self_s):>7}", "dim"),
            ]
            if node.compiled:
                line.append(("  no .pyc", "blocked"))
            line.append((f"  {literal(node.group)}", "dim"))
            out.append(line)
    return out


def _paths(root: ImportNode, chosen: set[int]) -> list[tuple[int, ImportNode]]:
    """Nodes of `root` that are chosen or have a chosen node below them, in tree order."""
    keep: list[tuple[int, ImportNode]] = []

    def visit(node: ImportNode, depth: int) -> bool:
        mark = len(keep)
        keep.append((depth, node))
        below = False
        for child in node.children:
            below = visit(child, depth + 1) or below
        if id(node) in chosen or below:
            return True
        del keep[mark:]
        return False

    visit(root, 0)
    return keep

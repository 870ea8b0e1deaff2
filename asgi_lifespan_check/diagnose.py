"""Framework-aware findings, made after the run in the process that holds the app.

Combines the app's structure (`structure.py`), what the run showed (the driver's
result) and how the app used `scope["state"]` (`state.py`) into LC403-LC407. It never
lets a surprise in the app's object graph break the check: any error here means no
structural findings, never a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import structure
from .driver import Driver, DriveResult
from .frames import CodeClassifier
from .loading import LoadedApp, uvicorn_takes_for_asgi2
from .model import Finding
from .protocol import STARTUP
from .state import state_findings


def before_run(loaded: LoadedApp, classifier: CodeClassifier) -> structure.MountWatch:
    """Watch which lifespans inside the app run (LC403: a mounted app's may be run by the
    parent; LC404: one the scope should reach may be cut off); restore() it after."""
    try:
        tree = structure.walk(loaded.original, classifier)
        if tree is not None:
            return structure.watch_lifespans(tree)
    except Exception:
        pass  # an object graph we cannot read gives no structural findings
    return structure.MountWatch()


def after_run(
    loaded: LoadedApp,
    driver: Driver,
    result: DriveResult,
    classifier: CodeClassifier,
    rel: Callable[[float], float],
    watch: structure.MountWatch | None = None,
) -> list[Finding]:
    """Every LC403-LC407 finding this run supports."""
    out: list[Finding] = []
    now = rel(time.perf_counter())
    try:
        tree = structure.walk(loaded.original, classifier)
        if tree is not None:
            out.extend(structure.static_findings(tree, watch.entered if watch else ()))
            if result.refusal is not None:
                t = result.refusal.t
                # Just after the LC106/LC107 it explains, so the verdict keeps its order.
                t_refused = driver.recorder.rel(t) + 1e-6 if t is not None else now
                out.extend(structure.refused_findings(tree, result.refusal, classifier, t_refused))
            elif watch is not None and driver.started:
                out.extend(
                    structure.unreached_findings(
                        tree,
                        watch,
                        driver.entry_trace.codes,
                        driver.received_at(STARTUP),
                        classifier,
                        now,
                    )
                )
    except Exception:
        pass  # an object graph we cannot read gives no structural findings
    if loaded.interface == "asgi2":
        where = structure.definition_of(loaded.original, classifier)
        out.append(structure.asgi2_finding(loaded.app_type, where))
    elif loaded.interface == "asgi3" and uvicorn_takes_for_asgi2(loaded.original):
        where = structure.definition_of(loaded.original, classifier)
        out.append(structure.misdetected_finding(loaded.app_type, where))
    try:
        server = driver.emulation.name if driver.emulation is not None else None
        out.extend(
            state_findings(
                driver.state,
                driver.scope,
                server=server,
                t_s=now,
                lifespan_definition=driver.lifespan_definition,
            )
        )
    except Exception:
        pass
    return out

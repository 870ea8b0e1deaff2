"""Our own plugin on our own example app (examples/demo_app.py), as a user would use it.

pyproject.toml also lists `demo_app:app` under `lifespan_check`, so every run of this
suite has a `lifespan-check[demo_app:app]` item checking it in a child interpreter.
"""

from __future__ import annotations

from typing import Any

import pytest

from asgi_lifespan_check.pytest_plugin import LifespanCheck
from tests.api_support import EXAMPLES, app_module


@pytest.fixture
def anyio_backend() -> str:
    """The demo app sleeps with asyncio.sleep: anyio's tests run it on asyncio only."""
    return "asyncio"


def demo_app() -> Any:
    """The example app object (imported from examples/ as the module `demo_app`)."""
    return app_module("demo_app", EXAMPLES).app


def test_demo_app_target(lifespan_check: LifespanCheck) -> None:
    """The demo app, named as a target, starts and stops within budget and keeps its db."""
    report = lifespan_check("demo_app:app", app_dir=EXAMPLES, max_startup=2.0, max_total=3.0)
    assert report.state_keys == ("db",)
    startup = report.phase("startup")
    assert startup is not None
    assert startup.duration_s is not None
    assert startup.duration_s >= 0.25  # its database handshake sleeps 0.3 s


@pytest.mark.asyncio
async def test_demo_app_under_pytest_asyncio(lifespan_check: LifespanCheck) -> None:
    """The demo app object checks clean on the loop of a pytest-asyncio test."""
    report = await lifespan_check.acheck(demo_app(), max_startup=2.0)
    assert report.target == "demo_app:app"
    assert report.environment.backend == "asyncio"


@pytest.mark.anyio
async def test_demo_app_under_anyio(lifespan_check: LifespanCheck) -> None:
    """The demo app object checks clean under anyio's plugin (on asyncio: the app sleeps
    with asyncio.sleep)."""
    report = await lifespan_check.acheck(demo_app(), max_startup=2.0)
    assert report.environment.backend == "asyncio"

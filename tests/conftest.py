"""Fixtures shared by the suite; the helpers themselves are in tests/helpers.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.helpers import kill_all, processes_with_env


@pytest.fixture
def run_token() -> Iterator[str]:
    """A unique `LC_TEST_RUN=...` marker to put in a run's environment.

    Every process of that run inherits it, so a test can look for survivors in /proc.
    Whatever the test found, nothing carrying the marker is left running afterwards.
    """
    token = f"lc-test-{uuid.uuid4().hex}"
    yield token
    kill_all(processes_with_env(token))

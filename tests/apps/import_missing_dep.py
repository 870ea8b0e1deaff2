"""Imports a dependency that is not installed."""

import definitely_not_installed_dependency  # <- import


async def app(scope, receive, send):
    pass

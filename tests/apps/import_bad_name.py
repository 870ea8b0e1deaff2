"""Imports a name that its dependency does not have (ImportError, not ModuleNotFoundError)."""

from json import this_name_does_not_exist  # <- import


async def app(scope, receive, send):
    pass

"""Calls abort() during startup."""

import os


async def app(scope, receive, send):
    await receive()
    os.abort()  # <- crash

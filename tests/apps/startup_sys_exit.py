"""Calls sys.exit(3) during startup, after receiving lifespan.startup."""

import sys


async def app(scope, receive, send):
    await receive()
    sys.exit(3)  # <- exit

"""Empties sys.path and changes directory while importing, then behaves."""

import os
import sys

sys.path.clear()
os.chdir("/")


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

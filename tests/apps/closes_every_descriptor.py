"""Closes every descriptor above 2 in startup, as some daemonizing code does."""

import os


async def app(scope, receive, send):
    await receive()
    os.closerange(3, 4096)  # <- close
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

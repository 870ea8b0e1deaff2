"""Blocks the loop at the end of startup and again at the start of shutdown, no await between."""

import time


async def app(scope, receive, send):
    await receive()
    time.sleep(0.6)  # <- startup
    await send({"type": "lifespan.startup.complete"})
    await receive()
    time.sleep(0.4)  # <- shutdown
    await send({"type": "lifespan.shutdown.complete"})

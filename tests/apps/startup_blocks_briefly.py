"""Startup blocks the event loop for 0.6 s, well within the startup timeout."""

import time


def warm_cache():
    time.sleep(0.6)  # <- block


async def app(scope, receive, send):
    await receive()
    warm_cache()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

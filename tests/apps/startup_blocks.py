"""Startup blocks the event loop with a synchronous 30 s sleep."""

import time


def load_model():
    time.sleep(30)  # <- block


async def app(scope, receive, send):
    await receive()
    load_model()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

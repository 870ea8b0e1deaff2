"""A clean lifespan, but an atexit hook that takes 30 s: the interpreter will not exit."""

import atexit
import time


def flush_metrics():
    time.sleep(30)  # <- atexit


atexit.register(flush_metrics)


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

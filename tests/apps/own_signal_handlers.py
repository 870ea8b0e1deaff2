"""Ignores SIGINT and SIGTERM (as some servers' apps do), then blocks its loop in startup."""

import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)


async def app(scope, receive, send):
    await receive()
    time.sleep(30)  # <- block
    await send({"type": "lifespan.startup.complete"})

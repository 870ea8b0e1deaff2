"""Closes its own stdout and stderr descriptors during startup, then behaves."""

import os
import sys


async def app(scope, receive, send):
    await receive()
    print("said before closing", flush=True)
    sys.stdout.flush()
    os.close(1)
    os.close(2)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

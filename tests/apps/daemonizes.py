"""Forks a grandchild that leaves the process group (setsid) and sleeps forever."""

import os
import time


async def app(scope, receive, send):
    await receive()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(1000)
        os._exit(0)
    print(f"daemon pid {pid}", flush=True)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

"""An app that takes the time the environment asks for, for budgets and baselines.

$LC_IMPORT_SLEEP, $LC_STARTUP_SLEEP and $LC_SHUTDOWN_SLEEP are seconds (default 0).
"""

import asyncio
import os
import time

time.sleep(float(os.environ.get("LC_IMPORT_SLEEP", "0")))


async def app(scope, receive, send):
    await receive()
    await asyncio.sleep(float(os.environ.get("LC_STARTUP_SLEEP", "0")))
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await asyncio.sleep(float(os.environ.get("LC_SHUTDOWN_SLEEP", "0")))
    await send({"type": "lifespan.shutdown.complete"})

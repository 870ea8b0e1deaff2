"""Reads a setting at import time, as apps that use os.environ[...] do."""

import os

GREETING = os.environ["LC_TEST_GREETING"]  # <- read


async def app(scope, receive, send):
    await receive()
    print(f"greeting={GREETING}", flush=True)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

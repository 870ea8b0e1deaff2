"""Startup waits forever for a broker that never answers (honours cancellation)."""

import anyio


async def wait_for_broker():
    await anyio.sleep_forever()  # <- hang


async def app(scope, receive, send):
    await receive()
    await wait_for_broker()
    await send({"type": "lifespan.startup.complete"})

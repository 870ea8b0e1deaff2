"""A clean lifespan whose startup takes a measurable 0.1 s."""

import anyio


async def app(scope, receive, send):
    await receive()
    await anyio.sleep(0.1)
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

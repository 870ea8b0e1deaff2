"""A clean lifespan that forgets to cancel its asyncio background task."""

import asyncio


async def flush_metrics():
    while True:
        await asyncio.sleep(0.05)  # <- waits


async def app(scope, receive, send):
    await receive()
    asyncio.get_running_loop().create_task(flush_metrics(), name="metrics-flusher")
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

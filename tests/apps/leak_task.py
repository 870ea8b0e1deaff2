"""A clean lifespan that leaves a background task running after shutdown."""

import asyncio


async def tick():
    while True:
        await asyncio.sleep(0.05)  # <- waits


async def app(scope, receive, send):
    await receive()
    app.ticker = asyncio.get_running_loop().create_task(tick(), name="metrics-ticker")
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})  # forgot to cancel the ticker

"""Gives its broker connection a deadline, which passes: a TimeoutError from the scope."""

import asyncio


async def connect_broker():
    await asyncio.sleep(3600)  # <- awaits


async def app(scope, receive, send):
    await receive()
    async with asyncio.timeout(0.1):  # <- deadline
        await connect_broker()
    await send({"type": "lifespan.startup.complete"})

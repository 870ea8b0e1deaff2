"""Startup hangs, and swallows every cancellation it gets."""

import asyncio


async def app(scope, receive, send):
    await receive()
    while True:
        try:
            await asyncio.sleep(3600)  # <- hang
        except asyncio.CancelledError:
            pass

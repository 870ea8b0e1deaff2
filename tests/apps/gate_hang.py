"""An app whose startup never finishes (LC103, exit 4)."""

import asyncio


async def app(scope, receive, send):
    await receive()
    await asyncio.Event().wait()  # <- hangs

"""Raises CancelledError itself during startup: nobody asked it to cancel."""

import asyncio


async def app(scope, receive, send):
    await receive()
    raise asyncio.CancelledError("cancelled by the app itself")  # <- cancel

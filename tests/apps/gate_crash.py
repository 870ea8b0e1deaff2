"""An app whose process exits in the middle of its startup (LC602, exit 5)."""

import os


async def app(scope, receive, send):
    await receive()
    os._exit(7)  # <- exits

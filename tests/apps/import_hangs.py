"""Connects to a service at import time, and the service never answers."""

import time


def connect_to_settings_service():
    time.sleep(30)  # <- hang


connect_to_settings_service()


async def app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})

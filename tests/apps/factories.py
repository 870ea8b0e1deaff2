"""App factories for --factory: a good one, and three that fail in different ways."""

import time


async def _app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


def create_app():
    time.sleep(0.2)  # building the app takes a visible moment
    return _app


def raising_factory():
    raise ValueError("no configuration for environment 'staging'")  # <- raise


def none_factory():
    return None


async def async_factory():
    return _app

"""A module whose app has another name, and a container with an app inside."""

from types import SimpleNamespace


async def application(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


apps = [application]
container = SimpleNamespace(application=application, settings={})

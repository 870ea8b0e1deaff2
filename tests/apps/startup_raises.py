"""Startup raises from a helper: the deepest user frame is the helper's raise."""


def connect(url):
    raise ConnectionError(f"{url} refused the connection")  # <- raise


async def app(scope, receive, send):
    await receive()
    connect("postgres://db:5432")  # <- call
    await send({"type": "lifespan.startup.complete"})

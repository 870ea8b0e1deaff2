"""Sends an http message on the lifespan scope."""


async def app(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200})  # <- send

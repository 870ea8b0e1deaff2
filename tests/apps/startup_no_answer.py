"""Receives lifespan.startup and returns without answering it."""


async def app(scope, receive, send):
    await receive()
    return

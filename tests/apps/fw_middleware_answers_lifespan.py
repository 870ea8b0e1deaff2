"""A middleware that answers the lifespan itself and never passes it on: startup
"succeeds", but the FastAPI lifespan below it never runs."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):  # <- handler
    yield


class ServeStatic:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()  # <- answers
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)


app = ServeStatic(FastAPI(lifespan=lifespan))

"""A Starlette middleware whose send wrapper forwards only http.* messages: the app's
lifespan.startup.complete never reaches the server, which waits for it forever."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware


@asynccontextmanager
async def lifespan(app):
    yield


class Metrics:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_wrapper(message):
            if message["type"].startswith("http."):
                await send(message)

        await self.app(scope, receive, send_wrapper)  # <- wrap


app = Starlette(lifespan=lifespan, middleware=[Middleware(Metrics)])

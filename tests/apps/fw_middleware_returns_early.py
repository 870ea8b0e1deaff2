"""A pure-ASGI middleware that returns early for non-http scopes, above a FastAPI lifespan."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):  # <- handler
    app.state.pool = "pool"
    yield


class HttpOnly:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return  # <- return
        await self.app(scope, receive, send)


inner = FastAPI(lifespan=lifespan)
app = HttpOnly(inner)

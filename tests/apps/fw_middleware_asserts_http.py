"""A middleware that asserts scope["type"] == "http", added with add_middleware."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):  # <- handler
    app.state.pool = "pool"
    yield


class RequireHttp:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        assert scope["type"] == "http"  # <- assert
        await self.app(scope, receive, send)


app = FastAPI(lifespan=lifespan)
app.add_middleware(RequireHttp)

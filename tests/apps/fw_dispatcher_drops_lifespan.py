"""A DispatcherMiddleware-style path dispatcher that drops the lifespan of its children."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.applications import Starlette


@asynccontextmanager
async def api_lifespan(app):  # <- handler
    yield


@asynccontextmanager
async def web_lifespan(app):
    yield


class PathDispatcher:
    def __init__(self, mounts):
        self.mounts = mounts

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            # Drops it: the children never hear of startup.
            return  # <- return
        for prefix, child in self.mounts.items():
            if scope["path"].startswith(prefix):
                return await child(scope, receive, send)


app = PathDispatcher(
    {"/api": FastAPI(lifespan=api_lifespan), "/web": Starlette(lifespan=web_lifespan)}
)

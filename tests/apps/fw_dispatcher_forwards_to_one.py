"""A path dispatcher that passes the lifespan to its root app only: the API's lifespan
never runs, though startup and shutdown succeed."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.applications import Starlette


@asynccontextmanager
async def api_lifespan(app):  # <- handler
    yield


@asynccontextmanager
async def site_lifespan(app):
    yield


class PathDispatcher:
    def __init__(self, mounts):
        self.mounts = mounts

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self.mounts["/"](scope, receive, send)  # <- forwards
            return
        for prefix, child in self.mounts.items():
            if scope["path"].startswith(prefix):
                return await child(scope, receive, send)


app = PathDispatcher(
    {"/api": FastAPI(lifespan=api_lifespan), "/": Starlette(lifespan=site_lifespan)}
)

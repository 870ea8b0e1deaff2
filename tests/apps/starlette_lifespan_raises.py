"""Starlette whose lifespan raises: Starlette sends startup.failed with the traceback, then re-raises."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette


async def open_cache(url):
    raise ConnectionRefusedError(f"{url} refused the connection")  # <- raise


@asynccontextmanager
async def lifespan(app):
    await open_cache("redis://cache:6379")
    yield


app = Starlette(lifespan=lifespan)

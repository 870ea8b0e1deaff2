"""Starlette with a lifespan that yields state."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def lifespan(app):
    yield {"settings": {"debug": False}}


app = Starlette(lifespan=lifespan)

"""A Starlette lifespan that yields once per database: the second yield breaks shutdown."""

from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def lifespan(app):  # <- handler
    for database in ("primary", "replica"):
        yield


app = Starlette(lifespan=lifespan)

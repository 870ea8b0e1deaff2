"""The same known costs as profile_costs.py, inside a FastAPI `lifespan=` context manager."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from profile_costs import shutdown, startup


@asynccontextmanager
async def lifespan(app):
    await startup()
    yield
    await shutdown()


app = FastAPI(lifespan=lifespan)

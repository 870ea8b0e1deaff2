"""FastAPI with a lifespan context manager that yields state."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    yield {"pool": object()}


app = FastAPI(lifespan=lifespan)

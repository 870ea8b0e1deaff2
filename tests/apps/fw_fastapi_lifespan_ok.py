"""FastAPI with a lifespan= context that yields state: everything is fine."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    yield {"pool": object()}


app = FastAPI(lifespan=lifespan)

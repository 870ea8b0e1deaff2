"""FastAPI with both lifespan= and on_event handlers: the handlers are ignored."""

import warnings
from contextlib import asynccontextmanager

from fastapi import FastAPI

warnings.simplefilter("ignore", DeprecationWarning)


@asynccontextmanager
async def lifespan(app):
    yield


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")
async def warm_cache():  # <- handler
    pass


@app.on_event("shutdown")
def flush_metrics():
    pass

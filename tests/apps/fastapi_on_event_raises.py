"""FastAPI with a deprecated on_event("startup") handler that raises."""

import warnings

from fastapi import FastAPI

app = FastAPI()

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)

    @app.on_event("startup")
    async def open_pool():
        raise RuntimeError("pool size must be positive")  # <- raise

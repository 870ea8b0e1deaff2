"""FastAPI with an on_event shutdown handler that raises."""

import warnings

from fastapi import FastAPI

warnings.simplefilter("ignore", DeprecationWarning)
app = FastAPI()


@app.on_event("shutdown")
async def flush():
    raise OSError("cannot flush the queue")  # <- raise

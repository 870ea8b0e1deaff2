"""Quart whose before_serving hook raises."""

from quart import Quart

app = Quart(__name__)


@app.before_serving
async def connect():
    raise RuntimeError("missing API key")  # <- raise

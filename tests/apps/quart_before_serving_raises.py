"""Quart whose before_serving hook raises."""

from quart import Quart

app = Quart(__name__)


@app.before_serving
async def open_pool():
    raise RuntimeError("quart pool failed to open")  # <- raise

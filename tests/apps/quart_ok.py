"""Quart with before_serving and after_serving hooks."""

from quart import Quart

app = Quart(__name__)


@app.before_serving
async def open_pool():
    app.config["POOL"] = "open"


@app.after_serving
async def close_pool():
    app.config["POOL"] = "closed"

"""Quart with before_serving and after_serving hooks."""

from quart import Quart

app = Quart(__name__)


@app.before_serving
async def connect():
    app.config["DB"] = "db"


@app.after_serving
async def disconnect():
    app.config["DB"] = None

"""Quart with app.asgi_app wrapped by a middleware that drops the lifespan."""

from quart import Quart

app = Quart(__name__)


@app.before_serving
async def connect():  # <- handler
    app.config["DB"] = "db"


class OnlyHttp:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return
        await self.app(scope, receive, send)


app.asgi_app = OnlyHttp(app.asgi_app)

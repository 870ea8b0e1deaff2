"""Objects that are not ASGI applications, one attribute each."""

import os as a_module

from starlette.applications import Starlette

nothing = None
number = 42
starlette_class = Starlette


def wsgi_app(environ, start_response):
    start_response("200 OK", [])
    return [b"hello"]


from contextlib import asynccontextmanager


@asynccontextmanager
async def lifespan(app):
    yield


class Database:
    def __init__(self, dsn):
        self.dsn = dsn


def create_app():
    return Starlette()


class _Unknowable:
    """A sync callable whose every other attribute lookup raises (a proxy to nothing)."""

    def __call__(self, *args):
        return None

    def __getattr__(self, name):
        raise RuntimeError(f"no backend for {name}")


unknowable = _Unknowable()

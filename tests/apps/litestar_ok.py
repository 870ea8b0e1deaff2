"""Litestar with startup and shutdown hooks."""

from litestar import Litestar

events = []


async def on_startup():
    events.append("startup")


async def on_shutdown():
    events.append("shutdown")


app = Litestar(route_handlers=[], on_startup=[on_startup], on_shutdown=[on_shutdown])

"""Exits the interpreter with os._exit(7) during startup."""

import os


async def app(scope, receive, send):
    await receive()
    os._exit(7)  # <- exit

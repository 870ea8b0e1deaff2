"""Dereferences a NULL pointer during startup."""

import ctypes


async def app(scope, receive, send):
    await receive()
    ctypes.string_at(0)  # <- crash

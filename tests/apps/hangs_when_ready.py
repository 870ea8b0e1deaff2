"""Hangs in startup after touching $LC_READY_FILE, so a test knows when to press Ctrl+C.

`app` waits on the event loop; `blocking_app` holds the loop in time.sleep.
"""

import asyncio
import os
import pathlib
import time


def ready():
    pathlib.Path(os.environ["LC_READY_FILE"]).touch()


async def wait_for_queue():
    await asyncio.Event().wait()  # <- waits


async def app(scope, receive, send):
    await receive()
    ready()
    await wait_for_queue()


def warm_cache():
    time.sleep(30)  # <- blocks


async def blocking_app(scope, receive, send):
    await receive()
    ready()
    warm_cache()


async def drain_queue():
    try:
        await asyncio.Event().wait()  # <- drains
    except asyncio.CancelledError:
        await asyncio.sleep(0.8)  # a graceful stop that takes its time
        raise


async def slow_to_cancel_app(scope, receive, send):
    await receive()
    ready()
    await drain_queue()

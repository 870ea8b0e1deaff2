"""A startup with known costs, one function each, for --profile's attribution tests.

Each step times itself and prints `cost <name> <seconds>` on stdout, so a test can
compare what the profiler attributed with what really happened (the report captures the
app's stdout). `heavy_vendor` is a generated package (see tests/test_profile.py); its
import is timed the same way.
"""

import asyncio
import gc
import os
import sys
import time

_t = time.perf_counter()
if os.environ.get("PROFILE_HEAVY"):
    import heavy_vendor  # noqa: F401
print(f"cost heavy_import {time.perf_counter() - _t:.6f}", flush=True)
# A full collection left pending by the heavy import would stall the loop for 30-50 ms
# at a random moment of the startup: a real cost, but not a known one. Pay it now.
gc.collect()


def timed(name):
    def wrap(fn):
        async def run(*args):
            start = time.perf_counter()
            await fn(*args)
            print(f"cost {name} {time.perf_counter() - start:.6f}", flush=True)

        run.__qualname__ = f"timed.{fn.__qualname__}"
        return run

    return wrap


async def connect_db():
    await asyncio.sleep(0.2)  # <- connect


async def warm_cache():
    for _ in range(20):
        await asyncio.sleep(0.005)  # <- warm


async def build_index():
    deadline = time.perf_counter() + 0.1
    total = 0
    while time.perf_counter() < deadline:
        total += sum(range(2000))  # <- cpu
    return total


def read_model_file():
    time.sleep(0.05)  # <- thread


async def load_model():
    await asyncio.to_thread(read_model_file)  # <- to_thread


async def fetch(seconds):
    await asyncio.sleep(seconds)  # <- branch


async def fan_out():
    await asyncio.gather(fetch(0.02), fetch(0.05), fetch(0.08))  # <- gather


STEPS = [
    ("connect", connect_db),
    ("warm", warm_cache),
    ("cpu", build_index),
    ("to_thread", load_model),
    ("gather", fan_out),
]


async def startup():
    for name, step in STEPS:
        start = time.perf_counter()
        await step()
        print(f"cost {name} {time.perf_counter() - start:.6f}", flush=True)


async def shutdown():
    start = time.perf_counter()
    await asyncio.sleep(0.03)  # <- close
    print(f"cost close {time.perf_counter() - start:.6f}", flush=True)


async def app(scope, receive, send):
    message = await receive()
    assert message["type"] == "lifespan.startup"
    await startup()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await shutdown()
    await send({"type": "lifespan.shutdown.complete"})

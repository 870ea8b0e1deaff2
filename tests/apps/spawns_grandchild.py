"""Starts a helper process that would sleep for a minute, then hangs in startup."""

import subprocess
import sys

import anyio


async def app(scope, receive, send):
    await receive()
    app.helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(f"helper pid {app.helper.pid}", flush=True)
    await anyio.sleep_forever()  # <- hang

"""Reports, on stdout, whether a sampler thread or -X importtime is running during
startup, and writes to stderr at import and during startup (--profile must keep the
app's stderr the app's)."""

import os
import sys
import threading

print("app stderr at import", file=sys.stderr, flush=True)
os.write(2, b"raw fd 2 write at import\n")


async def app(scope, receive, send):
    await receive()
    names = sorted(t.name for t in threading.enumerate())
    print(f"threads {','.join(names)}", flush=True)
    print(f"importtime {int('importtime' in sys._xoptions)}", flush=True)
    print("app stderr in startup", file=sys.stderr, flush=True)
    import json.tool  # noqa: F401  (a lazy import during startup)

    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})

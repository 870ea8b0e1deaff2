"""The floor for `make bench`: the least a lifespan check can do, stdlib only.

Imports module:attr, sends lifespan.startup and lifespan.shutdown over two asyncio
queues, waits for each answer (or for the app to end) and exits. No timing, no
validation, no report: whatever lifespan-check costs beyond this is its overhead.

Usage: python scripts/raw_driver.py module:attr
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any


async def drive(app: Any) -> None:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    task = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    for event in ("lifespan.startup", "lifespan.shutdown"):
        await inbox.put({"type": event})
        answer = asyncio.ensure_future(outbox.get())
        await asyncio.wait({answer, task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            break
    if not task.done():
        task.cancel()


def main() -> None:
    module_name, _, attr = sys.argv[1].partition(":")
    sys.path.insert(0, ".")
    app = importlib.import_module(module_name)
    for part in attr.split("."):
        app = getattr(app, part)
    asyncio.run(drive(app))


if __name__ == "__main__":
    main()

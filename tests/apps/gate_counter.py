"""An app whose outcome depends on a counter file, for --repeat and flakiness.

Each run (each a fresh process) takes the next number from $LC_COUNTER_FILE under a lock.
Runs whose number is a multiple of $LC_FAIL_EVERY fail their startup (0: never fail).
"""

import fcntl
import os


def next_run_number():
    with open(os.environ["LC_COUNTER_FILE"], "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        number = int(handle.read() or 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(number))
        return number


async def app(scope, receive, send):
    message = await receive()
    number = next_run_number()
    every = int(os.environ.get("LC_FAIL_EVERY", "0"))
    if every and number % every == 0:
        raise RuntimeError(f"run {number} failed")  # <- flaky
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    await send({"type": "lifespan.shutdown.complete"})

"""A settings check that calls sys.exit(3) at import time."""

import sys

sys.exit(3)  # <- exit


async def app(scope, receive, send):
    pass

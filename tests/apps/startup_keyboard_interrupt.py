"""Raises KeyboardInterrupt during startup (a stray signal handler would do this)."""


async def app(scope, receive, send):
    await receive()
    raise KeyboardInterrupt  # <- interrupt

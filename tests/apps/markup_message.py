"""Startup raises an exception whose message holds rich markup and an ANSI escape."""


async def app(scope, receive, send):
    await receive()
    raise RuntimeError("[bold red]x[/] \x1b[31m")  # <- raise

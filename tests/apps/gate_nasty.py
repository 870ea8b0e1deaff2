"""Apps whose failure messages carry text that breaks naive XML, Markdown and CI logs."""

NASTY = "end]]> <b>&amp; \x00\x01\x08\x0b\x1b[31m\ufffe 100% a:b,c\r\nline2 \U0001f600 \ud800"


async def app(scope, receive, send):
    await receive()
    print("stdout with ]]> and \x07 bell and ::error::injected")
    raise RuntimeError(NASTY)  # <- nasty


async def failed_message(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": NASTY})

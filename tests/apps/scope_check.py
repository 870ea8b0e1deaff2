"""Fails its startup with a description unless the scope and messages follow the spec."""

EXPECTED_SCOPE = {
    "type": "lifespan",
    "asgi": {"version": "3.0", "spec_version": "2.0"},
    "state": {},
}


async def app(scope, receive, send):
    problems = []
    if dict(scope) != EXPECTED_SCOPE:
        problems.append(f"scope was {scope!r}")
    first = await receive()
    if first != {"type": "lifespan.startup"}:
        problems.append(f"first message was {first!r}")
    if problems:
        await send({"type": "lifespan.startup.failed", "message": "; ".join(problems)})
        return
    await send({"type": "lifespan.startup.complete"})
    second = await receive()
    if second != {"type": "lifespan.shutdown"}:
        await send(
            {"type": "lifespan.shutdown.failed", "message": f"second message was {second!r}"}
        )
        return
    await send({"type": "lifespan.shutdown.complete"})

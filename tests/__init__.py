"""The test suite of asgi-lifespan-check (target apps live in tests/apps/)."""

"""`python -m asgi_lifespan_check` is the same as the `lifespan-check` command."""

from ._entry import main

main()

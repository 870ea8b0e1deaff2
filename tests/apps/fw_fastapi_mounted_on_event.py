"""FastAPI with a mounted FastAPI sub-app whose on_event handlers never run."""

import warnings

from fastapi import FastAPI

warnings.simplefilter("ignore", DeprecationWarning)  # on_event is deprecated, and that is the point

admin = FastAPI()


@admin.on_event("startup")
async def open_admin_db():  # <- handler
    admin.state.db = "connected"


@admin.on_event("shutdown")
async def close_admin_db():
    admin.state.db = None


app = FastAPI()
app.mount("/admin", admin)

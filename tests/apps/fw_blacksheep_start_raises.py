"""BlackSheep whose on_start handler raises."""

from blacksheep import Application

app = Application()


@app.on_start
async def connect(application: Application) -> None:
    raise PermissionError("no access to the secrets store")  # <- raise

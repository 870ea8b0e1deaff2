"""An app factory that waits for a service that never answers."""

import time


def create_app():
    time.sleep(30)  # <- hang

"""Minimal Django settings for the Django and Channels target apps."""

SECRET_KEY = "lifespan-check-tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "fw_django_urls"
INSTALLED_APPS = []
USE_TZ = True

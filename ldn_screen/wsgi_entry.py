"""The app object for gunicorn when installed from a wheel (the checkout also has wsgi.py)."""

from . import create_app

app = create_app()

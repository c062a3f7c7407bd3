"""gunicorn entry point: ``gunicorn wsgi:app``."""

from ldn_screen import create_app

app = create_app()

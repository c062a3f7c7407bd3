"""The WSGI module of a checkout: ``gunicorn -c python:ldn_screen.config.gunicorn wsgi:app``.

An installed wheel has no wsgi.py; there ``ldn-screen serve`` runs gunicorn on the factory,
``ldn_screen.app:create_app()``.
"""

from ldn_screen.app import create_app

app = create_app()

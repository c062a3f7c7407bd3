"""The WSGI module of a checkout: ``gunicorn -c python:ldn_screen.config.gunicorn wsgi:app``.

An installed wheel has no wsgi.py; there ``ldn-screen serve`` runs gunicorn on the factory,
``ldn_screen:create_app()``.
"""

from ldn_screen import create_app

app = create_app()

"""ldn-screen: LDN safety screening for a fibromyalgia clinic.

The package itself imports nothing, so ``ldn_screen.rules`` can be used (and tested) without
loading Flask or the database layer. The app factory is ``ldn_screen.app.create_app``
(gunicorn: ``'ldn_screen.app:create_app()'``); the command line is ``ldn_screen.cli``.
"""

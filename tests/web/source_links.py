"""How a page cites a source, for tests that look for it in the (unescaped) page text."""

from __future__ import annotations

from ldn_screen.rules.sources import SOURCES


def linked(key: str) -> str:
    """'Source (kind): <a href="url">title</a>', as templates/macros/sources.html writes it."""
    s = SOURCES[key]
    return f'Source ({s.kind}): <a href="{s.url}">{s.title}</a>'

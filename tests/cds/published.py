"""Loading the published CDS Hooks payloads of tests/data/cds-hooks (see its SOURCES.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "cds-hooks"
_BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def markdown_blocks(path: Path) -> list[Any]:
    """The fenced JSON blocks of a spec page. Pages write a context as a bare
    '"context": {…}' member; it is read inside braces. Blocks that are not JSON even then
    (comments, ellipses) are returned as None, so a test can count them."""
    blocks: list[Any] = []
    for text in _BLOCK.findall(path.read_text()):
        for candidate in (text, "{" + text + "}"):
            try:
                blocks.append(json.loads(candidate))
                break
            except ValueError:
                continue
        else:
            blocks.append(None)
    return blocks


def docs_requests() -> list[tuple[str, dict[str, Any]]]:
    """Every request of cds-hooks/docs: whole requests, and contexts of a hook page made into
    a request for that hook."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((DATA / "cds-hooks-docs").glob("*.md")):
        for i, block in enumerate(markdown_blocks(path)):
            if not isinstance(block, dict) or "context" not in block:
                continue
            request = dict(block)
            if "hook" not in request:
                request = {"hook": path.stem, "hookInstance": f"docs-{path.stem}-{i}", **block}
            found.append((f"{path.name}#{i}", request))
    return found


def docs_cards() -> list[tuple[str, Any]]:
    found = []
    for path in sorted((DATA / "cds-hooks-docs").glob("*.md")):
        for i, block in enumerate(markdown_blocks(path)):
            if isinstance(block, dict) and ("cards" in block or "indicator" in block):
                found.append((f"{path.name}#{i}", block))
    return found


def opioid_files(kind: str) -> list[Path]:
    return sorted((DATA / "opioid-cds" / kind).rglob("*.json"))

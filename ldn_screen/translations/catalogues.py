"""Compile the sheet's catalogues (.po -> .mo) with Babel, and read what they declare.

Loaded by the wheel's build hook (``hatch_build.py``, by file path: the build environment has
Babel but not the app's dependencies) and by the web layer, which compiles at first use when
a checkout has no ``.mo`` or one older than its ``.po`` (an editable install, the tests).
Standard library at import time; Babel is imported inside the functions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOMAIN = "messages"
TEMPLATE = HERE / f"{DOMAIN}.pot"
# The .po header fields that carry the translation's provenance.
ENGLISH_VERSION_HEADER = "X-English-Version"
TRANSLATOR_HEADER = "Last-Translator"
TRANSLATED_ON_HEADER = "PO-Revision-Date"


def po_files(root: Path = HERE) -> list[Path]:
    return sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def mo_for(po: Path, root: Path = HERE, dest: Path | None = None) -> Path:
    relative = po.relative_to(root).with_suffix(".mo")
    return (dest or root) / relative


def is_fresh(root: Path = HERE) -> bool:
    """Every catalogue has a .mo no older than its .po."""
    for po in po_files(root):
        mo = mo_for(po, root)
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            return False
    return True


def compile_all(dest: Path, root: Path = HERE) -> list[Path]:
    """Compile every catalogue under ``root`` into the same layout under ``dest``.

    Fuzzy entries are left out (Babel's default), so a fuzzy sentence is untranslated, and
    the tests fail on any untranslated one. Placeholder mismatches fail the compile."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in po_files(root):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        problems = [
            f"{po.name}:{message.lineno}: {error}"
            for message, errors in catalog.check()
            for error in errors
        ]
        if problems:
            raise ValueError("catalogue errors: " + "; ".join(problems))
        mo = mo_for(po, root, dest)
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def message_key(msgid: str | tuple[str, ...] | list[str], context: str | None) -> str:
    ids = [msgid] if isinstance(msgid, str) else list(msgid)
    return "\x04".join([context or "", *ids])


def english_version(template: Path | None = None) -> str:
    """The English source's version: a hash of every msgid (with its plural and context) of
    the extracted template. Any changed, added or removed English sentence changes it."""
    from babel.messages.pofile import read_po

    with (template or TEMPLATE).open("rb") as handle:
        catalog = read_po(handle)
    keys = sorted(message_key(m.id, m.context) for m in catalog if m.id)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:16]


def header(po: Path, name: str) -> str:
    """One field of a .po header, read from the file itself (Babel keeps only the standard
    fields, and the provenance is in ``X-`` fields)."""
    prefix = f'"{name}: '
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].removesuffix('"').removesuffix("\\n")
        if line.startswith("#:") or (line.startswith('msgid "') and line != 'msgid ""'):
            break  # past the header
    return ""

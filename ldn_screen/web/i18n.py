"""The sheet's languages in the web layer: Flask-Babel, the compiled catalogues, dates in
words, and whether a translation may be offered (and as reviewed or as a draft).

English is the source and always available. Another language is offered only when its
catalogue covers the current English text completely (``catalogue_status``); it is
*reviewed* only when the settings version in force carries a sign-off for exactly this
English version, and a *draft* otherwise: the sheet then prints a band that says so.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_babel import Babel, force_locale, get_translations

from ..rules.settings import SIGN_OFF_GROUP, RuleSettings
from ..rules.translation import ENGLISH, ENGLISH_CODE, LANGUAGES, SPANISH_CODE, Language
from ..translations import catalogues

LANGUAGE_FIELD = "language"
DRAFT = "draft"
REVIEWED = "reviewed"

# Staff wording for the chooser and the summary's sheet action (the staff pages are English).
LANGUAGE_LABELS = {
    ENGLISH_CODE: "English",
    SPANISH_CODE: "Spanish (español)",
}
DRAFT_NOTE = "draft translation: not yet reviewed"


@functools.cache
def _compiled_into(po_stamp: tuple[tuple[str, float], ...]) -> str:
    """Compile the catalogues into a private folder, once per set of .po files."""
    dest = Path(tempfile.mkdtemp(prefix="ldn-screen-catalogues-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    catalogues.compile_all(dest)
    return str(dest)


def catalogue_dir() -> str:
    """Where the compiled catalogues are. A wheel ships them compiled at build time (its
    hook); a checkout (editable install, tests) with no .mo, or one older than its .po, is
    compiled here once, into a private folder, so the app never serves a stale one and never
    writes into the source tree."""
    if catalogues.is_fresh():
        return str(catalogues.HERE)
    stamp = tuple((str(p), p.stat().st_mtime) for p in catalogues.po_files())
    return _compiled_into(stamp)


@dataclass(frozen=True, slots=True)
class CatalogueStatus:
    """What a language's catalogue declares and whether it covers the English text."""

    code: str
    complete: bool  # every current English msgid has a non-fuzzy, non-empty translation
    english_version: str  # the English version the catalogue declares it translates
    translator: str
    translated_on: str
    problems: tuple[str, ...] = ()


@functools.cache
def english_version() -> str:
    return catalogues.english_version()


@functools.cache
def catalogue_status(code: str) -> CatalogueStatus:
    """Read the language's .po against the English template (cached: both ship with the
    release and only change with it)."""
    from babel.messages.pofile import read_po

    po_path = catalogues.HERE / code / "LC_MESSAGES" / f"{catalogues.DOMAIN}.po"
    with catalogues.TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        string = found.string if found is not None else ""
        strings = string if isinstance(string, tuple) else (string,)
        if found is None or found.fuzzy or not all(strings):
            problems.append(catalogues.message_key(message.id, message.context)[:60])
    headers = dict(catalog.mime_headers)
    declared = catalogues.header(po_path, catalogues.ENGLISH_VERSION_HEADER)
    if declared != english_version():
        problems.append(f"translates English version {declared or 'unknown'}")
    return CatalogueStatus(
        code=code,
        complete=not problems,
        english_version=declared,
        translator=headers.get(catalogues.TRANSLATOR_HEADER, ""),
        translated_on=headers.get(catalogues.TRANSLATED_ON_HEADER, "")[:10],
        problems=tuple(problems),
    )


def review_state(settings: RuleSettings) -> str:
    """REVIEWED only when the settings carry a sign-off for the English text in force."""
    signed = all(
        (
            settings.es_reviewer_name.strip(),
            settings.es_reviewer_role.strip(),
            settings.es_reviewed_on.strip(),
        )
    )
    if signed and settings.es_reviewed_english_version.strip() == english_version():
        return REVIEWED
    return DRAFT


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    code: str
    label: str  # what the nurse reads on the chooser
    state: str  # REVIEWED or DRAFT (English is always REVIEWED: it is the source)
    short: str = ""  # the summary's select (a phone's width): "Spanish (draft, not reviewed)"


def available_languages(settings: RuleSettings) -> tuple[LanguageChoice, ...]:
    """The sheet languages to offer: English, and each translation that covers the current
    English text. A draft is offered, and says so."""
    english = LANGUAGE_LABELS[ENGLISH_CODE]
    choices = [LanguageChoice(ENGLISH_CODE, english, REVIEWED, english)]
    if catalogue_status(SPANISH_CODE).complete:
        state = review_state(settings)
        label, short = LANGUAGE_LABELS[SPANISH_CODE], LANGUAGES[SPANISH_CODE][0]
        if state == DRAFT:
            label, short = f"{label}, {DRAFT_NOTE}", f"{short} (draft, not reviewed)"
        choices.append(LanguageChoice(SPANISH_CODE, label, state, short))
    return tuple(choices)


# Dates in words (never day/month numbers: Spanish short dates put the day first). The long
# form goes in sentences; the short one in the calendar's narrow column and the header.
_LONG_PATTERNS = {SPANISH_CODE: "EEEE d 'de' MMMM 'de' y"}
_SHORT_PATTERNS = {SPANISH_CODE: "EEE d MMM y"}


def _formatter(code: str, pattern: str) -> functools.partial[str]:
    return functools.partial(_format_date, code=code, pattern=pattern)


@functools.lru_cache(maxsize=4096)
def _format_date(day: dt.date, code: str, pattern: str) -> str:
    from babel.dates import format_date  # lazily: the locale data is only for sheets

    return format_date(day, pattern, locale=code)


def short_date(code: str) -> functools.partial[str] | None:
    if code == ENGLISH_CODE:
        return None
    return _formatter(code, _SHORT_PATTERNS[code])


@contextmanager
def sheet_language(code: str) -> Iterator[Language]:
    """Render inside this: Flask-Babel's ``_()`` in the templates and the rules' sentences
    use the same compiled catalogue."""
    if code == ENGLISH_CODE:
        yield ENGLISH
        return
    with force_locale(code):
        yield Language(code, get_translations(), _formatter(code, _LONG_PATTERNS[code]))


def card_languages(code: str, settings: RuleSettings) -> tuple[Language, ...]:
    """The wallet card's alert in English and Spanish on every sheet (the sheet's own
    language comes first, from ``sheet_text``)."""
    others = []
    for choice in available_languages(settings):
        if choice.code == code:
            continue
        if choice.code == ENGLISH_CODE:
            others.append(ENGLISH)
        else:
            with sheet_language(choice.code) as lang:
                others.append(lang)
    return tuple(others)


def html_lang(code: str) -> str:
    return LANGUAGES[code][2]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", catalogue_dir())
    Babel(app)
    app.jinja_env.globals.update(
        sheet_languages=available_languages,
        sheet_english_version=english_version,
        sheet_review_state=review_state,
        SIGN_OFF_GROUP=SIGN_OFF_GROUP,
    )


def provenance(code: str, settings: RuleSettings) -> str | None:
    """For staff, in English, on the printed translation: who translated it, from which
    English version, and who reviewed it (or that no one has yet)."""
    if code == ENGLISH_CODE:
        return None
    status = catalogue_status(code)
    name = LANGUAGES[code][0]
    # The translator's name without its note (the full record is in the .po header).
    translator = status.translator.partition(" (")[0]
    line = (
        f"{name} translation by {translator}, {status.translated_on}, of English version "
        f"{status.english_version}."
    )
    if review_state(settings) == REVIEWED:
        return (
            f"{line} Reviewed by {settings.es_reviewer_name} ({settings.es_reviewer_role}) on "
            f"{settings.es_reviewed_on}."
        )
    return f"{line} Not yet reviewed."

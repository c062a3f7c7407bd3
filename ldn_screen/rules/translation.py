"""The languages the patient's sheet is written in, with the standard library's ``gettext``.

The rules stay free of third-party imports: a ``Language`` carries a ``gettext`` translations
object (the web layer passes Flask-Babel's, which is one) and a function that writes a date
in words. Numbers are never part of a translated sentence: every msgid names them with a
placeholder (``%(dose)s``), filled in here from the settings and the plan, so a translator
can never change a dose, an interval or a date.

Catalogues (``.po``) live in ``ldn_screen/translations``; the ``.mo`` files are compiled from
them when the wheel is built (``hatch_build.py``), or by the web layer when a checkout has
none or an older one.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .units import fmt_date

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

ENGLISH_CODE = "en"
SPANISH_CODE = "es_US"
# The sheet's languages: code -> (name in English, name in the language itself, HTML lang).
LANGUAGES: dict[str, tuple[str, str, str]] = {
    ENGLISH_CODE: ("English", "English", "en"),
    # es_US, not es: US pharmacy labels write 1.5 mg, and es/es_ES write 1,5.
    SPANISH_CODE: ("Spanish", "Español", "es-US"),
}


def N_(message: str) -> str:
    """Marks a sentence for extraction where it is defined; it is translated where used."""
    return message


@dataclass(frozen=True, slots=True)
class Language:
    """One language of the sheet: its translations and how it writes a date."""

    code: str
    translations: gettext.NullTranslations
    date: Callable[[dt.date], str]

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def html_lang(self) -> str:
        return LANGUAGES[self.code][2]


ENGLISH = Language(ENGLISH_CODE, gettext.NullTranslations(), fmt_date)


@functools.cache
def translator(locale: str, localedir: str | None = None) -> gettext.NullTranslations:
    """The compiled catalogue of ``locale`` (English is the source: no catalogue).

    Raises ``FileNotFoundError`` when the catalogue is not compiled: a missing translation
    must never fall back to English on a patient's sheet."""
    if locale == ENGLISH_CODE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir or str(CATALOGUE_DIR), languages=[locale])

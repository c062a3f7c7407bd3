"""The Spanish sheet for tests: the catalogue compiled into a temporary folder, read with the
rules' own standard-library gettext, and a readability measure with correct syllables.

INFLESZ (Szigriszt-Pazos 1993, bands by Barrio-Cantalejo et al. 2008) is computed here from
its formula, with syllables from silabeador (a test-only dependency: LGPL). textstat's Spanish
scores are not used: its syllable counts (pyphen hyphenation) make a text look 8-9 points
easier than it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from ldn_screen.rules.translation import SPANISH_CODE, Language, translator
from ldn_screen.translations import catalogues

LONG_DATE = "EEEE d 'de' MMMM 'de' y"  # the web layer's long pattern for es_US


def compile_into(folder: Path) -> Path:
    catalogues.compile_all(folder)
    return folder


def spanish(localedir: Path) -> Language:
    from babel.dates import format_date

    def long_date(day: dt.date) -> str:
        return format_date(day, LONG_DATE, locale=SPANISH_CODE)

    translator.cache_clear()
    return Language(SPANISH_CODE, translator(SPANISH_CODE, str(localedir)), long_date)


# Abbreviations are read aloud: their syllables are those of the spoken form (one word each).
SPOKEN = {
    "ldn": "ele de ene",
    "mg": "miligramos",
    "ml": "mililitros",
    "ee": "estados",
    "uu": "unidos",
}


@functools.cache
def syllables(word: str) -> int:
    """Syllables of one Spanish word, as it is spoken."""
    from silabeador import syllabify

    word = word.lower()
    if word in SPOKEN:
        return sum(syllables(part) for part in SPOKEN[word].split())
    if not re.search(r"[aeiouáéíóúü]", word):
        # A letter or a run of consonants (a stray initial): spelled out, one syllable each.
        return len(word)
    return len(syllabify(word))


_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+")
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")


def words(text: str) -> list[str]:
    """Words only: numbers (doses, dates) are read as figures and left out of both counts."""
    return _WORD.findall(text)


def sentences(text: str) -> int:
    return max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))


def inflesz(text: str) -> float:
    """Szigriszt-Pazos perspicuity: 206.835 - 62.3 * syllables/words - words/sentences."""
    found = words(text)
    total = sum(syllables(w) for w in found)
    return 206.835 - 62.3 * total / len(found) - len(found) / sentences(text)

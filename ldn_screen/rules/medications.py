"""Find opioids, opioid-like substances and naltrexone in a pasted medication list.

A clinician pastes the chart's medication list. Each line is cut into items at semicolons and
commas (not the comma in "1,000 mg"), each item into word tokens, and the tokens are looked
up in the vocabulary in ``data/opioids.toml`` (names from the CDC opioid value sets, the
naltrexone label and the clinical reference). One recognised item gives one match, however
many of its words are opioid names ("Suboxone (buprenorphine/naloxone)" is one match).

The category starts from the name (oxycodone is short-acting, OxyContin long-acting) and is
then read from the rest of the item: "ER", "12 HR", "transdermal" or "25 mcg/hr" make a
short-acting opioid long-acting; a cough co-ingredient makes codeine or hydrocodone a cough
product; "implant" or an extended-release injection makes buprenorphine a depot.

A word of seven letters or more that is one typo away from a name ("oxycodon", "tramdol")
is reported with certainty "possible", unless it is also one typo from a known non-opioid
("codaine" could be cocaine), so the clinician confirms it rather than the matcher guessing.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .sources import SOURCES

DATA_FILE = Path(__file__).with_name("data") / "opioids.toml"


class OpioidCategory(StrEnum):
    SHORT_ACTING = "short_acting"
    LONG_ACTING = "long_acting"
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    DEPOT_BUPRENORPHINE = "depot_buprenorphine"
    ANTITUSSIVE = "antitussive"
    ANTIDIARRHOEAL = "antidiarrhoeal"


class MatchKind(StrEnum):
    OPIOID = "opioid"
    OPIOID_LIKE = "opioid_like"
    PERIPHERAL_OPIOID = "peripheral_opioid"
    NALTREXONE = "naltrexone"


class Certainty(StrEnum):
    EXACT = "exact"
    BRAND = "brand"
    POSSIBLE = "possible"


@dataclass(frozen=True, slots=True)
class OpioidMatch:
    line_no: int
    text: str
    matched: str
    ingredients: tuple[str, ...]
    category: OpioidCategory | None
    certainty: Certainty
    kind: MatchKind
    source_key: str

    @property
    def is_opioid(self) -> bool:
        return self.kind is MatchKind.OPIOID


# When one item names several kinds, the most safety-relevant one describes it.
_KIND_ORDER = (
    MatchKind.OPIOID,
    MatchKind.OPIOID_LIKE,
    MatchKind.NALTREXONE,
    MatchKind.PERIPHERAL_OPIOID,
)
_CERTAINTY_ORDER = (Certainty.EXACT, Certainty.BRAND, Certainty.POSSIBLE)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Items end at ";" and at "," unless the comma sits between digits ("1,000 mg").
_ITEM_BREAK = re.compile(r";|,(?!\d)|(?<!\d),")
# Letters, digits and "#" are separate tokens: "Oxycodone5mg" -> oxycodone 5 mg,
# "Tylenol#3" -> tylenol # 3, "7-OH" -> 7 oh.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|#")
_TYPO_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: MatchKind
    ingredients: tuple[str, ...]
    category: OpioidCategory | None
    source_key: str
    antitussive_capable: bool
    not_followed_by: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Name:
    tokens: tuple[str, ...]
    entry: _Entry
    certainty: Certainty


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: _Entry
    certainty: Certainty
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Matcher:
    by_first_token: dict[str, tuple[_Name, ...]]  # longest name first
    typo_index: dict[str, tuple[_Name, ...]]  # a name or its one-deletion variants -> names
    not_opioid_index: dict[str, tuple[str, ...]]  # same, for never-opioid names
    known_words: frozenset[str]  # exact single-word names of any kind: never typo-checked
    typo_min: int  # words of other lengths are never typo-checked (nor cached)
    typo_max: int
    long_acting: re.Pattern[str]
    depot: re.Pattern[str]
    injection: re.Pattern[str]
    antitussive: re.Pattern[str]
    category_sources: dict[OpioidCategory, str]
    typo_cache: dict[str, _Name | None] = field(default_factory=dict)


def find_opioids(text: str) -> list[OpioidMatch]:
    """Every recognised item in ``text``, in the order written.

    Never raises on any ``str``; time grows linearly with the length of the text.
    """
    matcher = compiled_matcher()
    matches: list[OpioidMatch] = []
    for line_no, line in enumerate(_LINE_BREAK.split(text), start=1):
        for item in _ITEM_BREAK.split(line):
            match = _match_item(matcher, item, line_no)
            if match is not None:
                matches.append(match)
    return matches


@functools.cache
def compiled_matcher() -> _Matcher:
    """The vocabulary, compiled once per process (``compiled_matcher.cache_clear()`` resets)."""
    return build_matcher(tomllib.loads(DATA_FILE.read_text(encoding="utf-8")))


def _match_item(matcher: _Matcher, item: str, line_no: int) -> OpioidMatch | None:
    # Most items name no opioid: look at the words first, and find positions only on a hit.
    found = _find_hits(matcher, [w.lower() for w in _TOKEN.findall(item)])
    if not found:
        return None
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(item)]
    hits = [
        _Hit(entry, cert, spans[first][0], spans[last][1]) for first, last, entry, cert in found
    ]
    kind = min((h.entry.kind for h in hits), key=_KIND_ORDER.index)
    hits = [h for h in hits if h.entry.kind is kind]
    primary = min(hits, key=lambda h: (_CERTAINTY_ORDER.index(h.certainty), h.start))
    ingredients = tuple(dict.fromkeys(i for h in hits for i in h.entry.ingredients))
    category = _category(matcher, hits, item.lower()) if kind is MatchKind.OPIOID else None
    source_key = primary.entry.source_key
    if category in matcher.category_sources:
        source_key = matcher.category_sources[category]
    return OpioidMatch(
        line_no=line_no,
        text=item.strip(),
        matched=item[primary.start : primary.end],
        ingredients=ingredients,
        category=category,
        certainty=primary.certainty,
        kind=kind,
        source_key=source_key,
    )


_Found = tuple[int, int, _Entry, Certainty]  # first and last token index, entry, certainty


def _find_hits(matcher: _Matcher, words: list[str]) -> list[_Found]:
    found: list[_Found] = []
    by_first, known = matcher.by_first_token, matcher.known_words
    shortest, longest = matcher.typo_min, matcher.typo_max
    i, count = 0, len(words)
    while i < count:
        word = words[i]
        name = _name_at(by_first[word], words, i) if word in by_first else None
        if name is not None:
            last = i + len(name.tokens) - 1
            found.append((i, last, name.entry, name.certainty))
            i = last + 1
            continue
        if word[-1] == "s" and word[:-1] in by_first:  # "Percocets", "Norcos"
            plural = next((n for n in by_first[word[:-1]] if len(n.tokens) == 1), None)
            if plural is not None:
                found.append((i, i, plural.entry, plural.certainty))
                i += 1
                continue
        if shortest <= len(word) <= longest and word not in known:
            typo = _typo_name(matcher, word)
            if typo is not None:
                found.append((i, i, typo.entry, Certainty.POSSIBLE))
        i += 1
    return found


def _name_at(names: tuple[_Name, ...], words: list[str], i: int) -> _Name | None:
    for name in names:
        end = i + len(name.tokens)
        if end > len(words):
            continue
        if any(words[i + j] != want for j, want in enumerate(name.tokens)):
            continue
        if end < len(words) and words[end] in name.entry.not_followed_by:
            continue
        return name
    return None


def _typo_name(matcher: _Matcher, word: str) -> _Name | None:
    cache = matcher.typo_cache
    if word not in cache:
        if len(cache) >= _TYPO_CACHE_SIZE:  # bounded: arbitrary pasted text cannot grow it
            cache.clear()
        cache[word] = _typo_lookup(matcher, word)
    return cache[word]


def _typo_lookup(matcher: _Matcher, word: str) -> _Name | None:
    if not word.isalpha():
        return None
    keys = _deletions(word) | {word}
    names = {n for key in keys for n in matcher.typo_index.get(key, ())}
    near = [n for n in names if _within_one_edit(word, n.tokens[0])]
    if not near:
        return None
    # One edit from a never-opioid name as well: too ambiguous to call.
    others = {o for key in keys for o in matcher.not_opioid_index.get(key, ())}
    if any(_within_one_edit(word, other) for other in others):
        return None
    return min(near, key=lambda n: (_KIND_ORDER.index(n.entry.kind), n.tokens))


def _category(matcher: _Matcher, hits: list[_Hit], lowered: str) -> OpioidCategory:
    cats = {h.entry.category for h in hits}
    if OpioidCategory.DEPOT_BUPRENORPHINE in cats:
        return OpioidCategory.DEPOT_BUPRENORPHINE
    if OpioidCategory.BUPRENORPHINE in cats and (
        matcher.depot.search(lowered)
        or (matcher.long_acting.search(lowered) and matcher.injection.search(lowered))
    ):
        return OpioidCategory.DEPOT_BUPRENORPHINE
    for fixed in (OpioidCategory.METHADONE, OpioidCategory.BUPRENORPHINE):
        if fixed in cats:
            return fixed
    # A cough product stays a cough product even when it is a 12-hour suspension (Tussionex).
    if OpioidCategory.ANTITUSSIVE in cats or (
        any(h.entry.antitussive_capable for h in hits) and matcher.antitussive.search(lowered)
    ):
        return OpioidCategory.ANTITUSSIVE
    if OpioidCategory.ANTIDIARRHOEAL in cats:
        return OpioidCategory.ANTIDIARRHOEAL
    if OpioidCategory.LONG_ACTING in cats or matcher.long_acting.search(lowered):
        return OpioidCategory.LONG_ACTING
    return OpioidCategory.SHORT_ACTING


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance <= 1 (substitution, indel or adjacent swap)."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(m.group().lower() for m in _TOKEN.finditer(name))


def _pattern(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def build_matcher(data: dict[str, Any]) -> _Matcher:
    """Compile a parsed vocabulary; raises ValueError on any inconsistency in the data."""
    names: dict[tuple[str, ...], _Name] = {}
    for raw in data["entry"]:
        entry = _entry(raw)
        for key, certainty in (("generics", Certainty.EXACT), ("brands", Certainty.BRAND)):
            for written in raw.get(key, ()):
                tokens = _tokens(written)
                if not tokens:
                    raise ValueError(f"name {written!r} has no word in it")
                if tokens in names and names[tokens].entry != entry:
                    raise ValueError(f"name {written!r} is listed for two different entries")
                names[tokens] = _Name(tokens, entry, certainty)

    by_first: dict[str, list[_Name]] = {}
    for name in names.values():
        by_first.setdefault(name.tokens[0], []).append(name)

    typo_min = int(data["typo"]["min_length"])
    typo_names = [n for n in names.values() if len(n.tokens) == 1 and len(n.tokens[0]) >= typo_min]
    typo_index: dict[str, list[_Name]] = {}
    for name in typo_names:
        for key in _deletions(name.tokens[0]) | {name.tokens[0]}:
            typo_index.setdefault(key, []).append(name)

    not_opioids = {w.lower() for w in data["not_opioid"]["names"]}
    not_opioid_index: dict[str, list[str]] = {}
    for word in not_opioids:
        if (word,) in names:
            raise ValueError(f"{word!r} is listed both as a name and as never an opioid")
        for key in _deletions(word) | {word}:
            not_opioid_index.setdefault(key, []).append(word)
    for name in typo_names:
        if any(_within_one_edit(name.tokens[0], w) for w in not_opioids):
            raise ValueError(f"{name.tokens[0]!r} is one edit from a never-opioid name")

    markers = data["markers"]
    category_sources = {
        OpioidCategory(cat): _source(key) for cat, key in data["category_sources"].items()
    }
    return _Matcher(
        by_first_token={
            k: tuple(sorted(v, key=lambda n: -len(n.tokens))) for k, v in by_first.items()
        },
        typo_index={k: tuple(v) for k, v in typo_index.items()},
        not_opioid_index={k: tuple(v) for k, v in not_opioid_index.items()},
        known_words=frozenset(t[0] for t in names if len(t) == 1) | frozenset(not_opioids),
        typo_min=typo_min,
        typo_max=max((len(n.tokens[0]) for n in typo_names), default=0) + 1,
        long_acting=_pattern(markers["long_acting"]),
        depot=_pattern(markers["depot"]),
        injection=_pattern(markers["injection"]),
        antitussive=_pattern(markers["antitussive"]),
        category_sources=category_sources,
    )


def _entry(raw: dict[str, Any]) -> _Entry:
    kind = MatchKind(raw["kind"])
    category = OpioidCategory(raw["category"]) if "category" in raw else None
    if (category is None) == (kind is MatchKind.OPIOID):
        raise ValueError(f"{raw['ingredients']}: an opioid entry needs a category, others none")
    return _Entry(
        kind=kind,
        ingredients=tuple(raw["ingredients"]),
        category=category,
        source_key=_source(raw["source"]),
        antitussive_capable=bool(raw.get("antitussive_capable", False)),
        not_followed_by=frozenset(w.lower() for w in raw.get("not_followed_by", ())),
    )


def _source(key: str) -> str:
    if key not in SOURCES:
        raise ValueError(f"unknown source key {key!r}")
    return key

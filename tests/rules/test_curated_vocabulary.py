"""The curated layer of the opioid vocabulary: shorthand, ambiguous names, markets, sources."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from typing import Any

import pytest

from ldn_screen.rules.medications import DATA_FILE, find_opioids
from ldn_screen.rules.sources import SOURCES, EvidenceKind

NAME_FIELDS = ("generics", "brands", "shorthand", "ambiguous")
KNOWN_FIELDS = {
    "kind",
    "ingredients",
    "category",
    "source",
    "antitussive_capable",
    "not_followed_by",
    "maintenance",
    "transdermal",
    "markets",
    "ambiguous_with",
    *NAME_FIELDS,
}
CATEGORIES = {
    "short_acting",
    "long_acting",
    "methadone",
    "buprenorphine",
    "depot_buprenorphine",
    "antitussive",
    "antidiarrhoeal",
}
MAINTENANCE_CATEGORIES = {"methadone", "buprenorphine", "depot_buprenorphine"}
MARKETS = {"US", "UK", "CA", "AU", "vet", "any"}
# The sources of the curated layer: every entry citing one of them says where it is marketed.
CURATED_SOURCES = {
    "ismp_abbreviations",
    "nida_drug_charts",
    "dea_drugs_of_abuse",
    "clinical_shorthand",
    "vet_labels",
    "uk_dmd",
    "mhra_pholcodine_2023",
    "ca_dpd",
    "au_artg",
}
# Same rule as the matcher: letters, digits and "#" are separate tokens, case does not count.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|#")


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(name))


def _data() -> dict[str, Any]:
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


def _entries() -> list[dict[str, Any]]:
    return _data()["entry"]


def _curated() -> list[dict[str, Any]]:
    return [e for e in _entries() if e["source"] in CURATED_SOURCES]


def _names(entry: dict[str, Any], fields: tuple[str, ...] = NAME_FIELDS) -> list[str]:
    return [name for field in fields for name in entry.get(field, ())]


def test_every_entry_cites_a_known_source() -> None:
    unknown = sorted({e["source"] for e in _entries()} - set(SOURCES))
    assert unknown == []


def test_every_curated_source_is_defined_with_a_checkable_reference() -> None:
    for key in CURATED_SOURCES:
        source = SOURCES[key]
        assert source.title and source.reference, key
        if source.kind is not EvidenceKind.POLICY:
            # A register, list or label a clinician can look up: an address or an identifier.
            assert (source.url or "").startswith("https://"), key


def test_the_curated_layer_is_present() -> None:
    # Guards against the layer being dropped in a merge: each source is used by some entry.
    used = {e["source"] for e in _entries()}
    assert used >= CURATED_SOURCES


def test_entries_have_only_known_fields_of_the_right_type() -> None:
    for entry in _entries():
        assert set(entry) <= KNOWN_FIELDS, (entry["ingredients"], set(entry) - KNOWN_FIELDS)
        for field in NAME_FIELDS:
            names = entry.get(field, [])
            assert isinstance(names, list)
            assert all(isinstance(n, str) and _tokens(n) for n in names), (field, names)
        for flag in ("maintenance", "transdermal", "antitussive_capable"):
            assert isinstance(entry.get(flag, False), bool), flag


def test_every_shorthand_and_ambiguous_name_has_a_category() -> None:
    for entry in _entries():
        if _names(entry, ("shorthand", "ambiguous")):
            assert entry["kind"] == "opioid", entry["ingredients"]
            assert entry.get("category") in CATEGORIES, entry["ingredients"]


def test_ambiguous_names_say_what_else_they_mean() -> None:
    for entry in _entries():
        note = entry.get("ambiguous_with", "")
        if entry.get("ambiguous"):
            assert isinstance(note, str) and len(note.split()) >= 2, entry["ambiguous"]
        else:
            assert not note, ("a note without ambiguous names", entry["ingredients"])


def test_no_name_is_listed_twice() -> None:
    # Written forms that tokenise alike ("bup/nx", "bup-nx") are the same name to the reader.
    seen: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for entry in _entries():
        for name in _names(entry):
            seen[_tokens(name)].append(tuple(entry["ingredients"]))
    twice = {" ".join(k): v for k, v in seen.items() if len(v) > 1}
    assert twice == {}


def test_no_name_maps_to_two_different_ingredient_sets() -> None:
    by_name: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for entry in _entries():
        for name in _names(entry):
            by_name[_tokens(name)].add(tuple(entry["ingredients"]))
    assert {" ".join(k): v for k, v in by_name.items() if len(v) > 1} == {}


def test_no_curated_name_is_a_never_opioid_name() -> None:
    never = {_tokens(n) for n in _data()["not_opioid"]["names"]}
    clash = sorted(n for e in _entries() for n in _names(e) if _tokens(n) in never)
    assert clash == []


def test_maintenance_entries_are_methadone_or_buprenorphine() -> None:
    for entry in _entries():
        if entry.get("maintenance"):
            assert entry["category"] in MAINTENANCE_CATEGORIES, entry["ingredients"]
            assert set(entry["ingredients"]) & {"methadone", "buprenorphine"}


def test_every_methadone_and_depot_entry_is_maintenance() -> None:
    for entry in _entries():
        if entry.get("category") in {"methadone", "depot_buprenorphine"}:
            assert entry.get("maintenance") is True, _names(entry)


def test_patches_are_long_acting_or_buprenorphine() -> None:
    patches = [e for e in _entries() if e.get("transdermal")]
    assert patches
    for entry in patches:
        assert entry["category"] in {"long_acting", "buprenorphine"}, _names(entry)


def test_curated_entries_say_where_the_names_are_marketed() -> None:
    for entry in _curated():
        markets = entry.get("markets")
        assert markets and set(markets) <= MARKETS, (_names(entry), markets)


def test_each_market_has_brands() -> None:
    by_market: dict[str, int] = defaultdict(int)
    for entry in _curated():
        for market in entry["markets"]:
            by_market[market] += len(_names(entry))
    for market in ("UK", "CA", "AU", "vet", "any"):
        assert by_market[market] > 0, market


def test_the_issue_examples_are_in_the_vocabulary() -> None:
    # Lines from the issue that were read as "no opioid": each needs a name in the data.
    names = {_tokens(n) for e in _entries() for n in _names(e)}
    for written in [
        "oxy ER",
        "Percs",
        "T3",
        "MSIR",
        "HC/APAP",
        "hydromorph",
        "bup/nx",
        "MTD",
        "MST Continus",
        "Zomorph",
        "Oxynorm",
        "co-dydramol",
        "Hydromorph Contin",
        "Panadeine Forte",
        "Endone",
    ]:
        tokens = _tokens(written)
        singular = (*tokens[:-1], tokens[-1].removesuffix("s"))
        assert tokens in names or singular in names, written


def _brand_cases() -> list[tuple[str, str, str]]:
    return [
        (name, entry["ingredients"][0], entry["category"])
        for entry in _curated()
        for name in _names(entry, ("generics", "brands"))
    ]


@pytest.mark.parametrize(("name", "ingredient", "category"), _brand_cases())
def test_each_curated_brand_is_found_alone_on_a_line(
    name: str, ingredient: str, category: str
) -> None:
    matches = [m for m in find_opioids(f"{name} 10 mg 1 po daily") if m.is_opioid]
    assert len(matches) == 1, (name, matches)
    assert matches[0].ingredients == (ingredient,)
    assert matches[0].category == category


@pytest.mark.parametrize(
    "line",
    ["Tylenol 1 g q6h", "Tylenol 2 tabs q6h prn", "potassium 292 mg", "vitamin D 282 units"],
)
def test_guarded_names_leave_plain_tylenol_and_doses_alone(line: str) -> None:
    assert find_opioids(line) == []

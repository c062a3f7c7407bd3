"""The curated layer of the opioid vocabulary: shorthand, ambiguous names, markets, sources."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections import defaultdict
from typing import Any

import pytest

from ldn_screen.rules.medication_vocabulary import (
    CURATED_NON_OPIOIDS,
    RXNORM_OPIOIDS,
    Certainty,
    OpioidCategory,
)
from ldn_screen.rules.medication_vocabulary import CURATED_OPIOIDS as DATA_FILE
from ldn_screen.rules.medication_vocabulary import CURATED_OPIOIDS_MORE as INTL_FILE
from ldn_screen.rules.medications import LineKind, LineReading, read_medication_list
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
CATEGORIES = {c.value for c in OpioidCategory}  # what the reader can take
MAINTENANCE_CATEGORIES = {"methadone", "buprenorphine", "depot_buprenorphine"}
MARKETS = {"US", "UK", "IE", "CA", "AU", "NZ", "ZA", "IN", "vet", "any"}
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
    "nz_medsafe",
    "us_fda_labels",
    "za_sahpra",
    "in_cdsco",
}
# Same rule as the matcher: letters, digits and "#" are separate tokens, case does not count.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|#")


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(name))


def _opioid_lines(text: str) -> list[LineReading]:
    reading = read_medication_list(text, today=dt.date(2026, 12, 1))
    return list(reading.of_kind(LineKind.OPIOID))


def _load(path: Any) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _data() -> dict[str, Any]:
    return _load(DATA_FILE)


def _intl_entries() -> list[dict[str, Any]]:
    return _load(INTL_FILE).get("entry", [])


def _entries() -> list[dict[str, Any]]:
    # Both curated files: every check below runs over opioids.toml and
    # opioids_international.toml together, so a name is unique across the two.
    return _data()["entry"] + _intl_entries()


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
    for market in ("UK", "IE", "CA", "AU", "NZ", "US", "vet", "any"):
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
    matches = _opioid_lines(f"{name} 10 mg 1 tab q6h prn")
    assert len(matches) == 1, (name, matches)
    assert matches[0].ingredients == (ingredient,)
    assert matches[0].category == category


@pytest.mark.parametrize(
    "line",
    ["Tylenol 1 g q6h", "Tylenol 2 tabs q6h prn", "potassium 292 mg", "vitamin D 282 units"],
)
def test_guarded_names_leave_plain_tylenol_and_doses_alone(line: str) -> None:
    assert _opioid_lines(line) == []


# --- The international layer (opioids_international.toml) -----------------------------------


def test_the_international_layer_is_present() -> None:
    by_market: dict[str, int] = defaultdict(int)
    for entry in _intl_entries():
        for market in entry["markets"]:
            by_market[market] += len(_names(entry))
    for market in ("UK", "IE", "CA", "AU", "NZ", "US"):
        assert by_market[market] > 0, market


def test_international_names_are_not_in_the_generated_or_non_opioid_vocabulary() -> None:
    # The generated RxNorm file and the non-opioid list are separate layers: a curated name
    # that repeats one of them would hide which source the reading came from (or, for a
    # non-opioid, stop the vocabulary build).
    rxnorm = json.loads(RXNORM_OPIOIDS.read_text(encoding="utf-8"))
    generated = {_tokens(b["name"]) for b in rxnorm["brands"]}
    generated |= {_tokens(i["name"]) for i in rxnorm["ingredients"]}
    never = {_tokens(n) for g in _load(CURATED_NON_OPIOIDS)["group"] for n in g["names"]}
    names = [n for e in _intl_entries() for n in _names(e)]
    assert sorted(n for n in names if _tokens(n) in generated) == []
    assert sorted(n for n in names if _tokens(n) in never) == []


@pytest.mark.parametrize(
    ("line", "ingredient"),
    [
        ("Atasol-30 1 tab q4h prn", "codeine"),
        ("Atasol 8 2 tabs q4h", "codeine"),
        ("Robaxacet-8 2 caplets qid prn", "codeine"),
        ("Migraleve Yellow 2 tablets every 4 hours", "codeine"),
        ("Migraleve 2 tabs at onset", "codeine"),
        ("Panadol Ultra 2 tabs qds", "codeine"),
        ("Solpadeine Max 2 tabs prn", "codeine"),
        ("Margesic-H 1 cap q6h", "hydrocodone"),
        ("Duro-Tuss Dry Cough 10 mL tds", "pholcodine"),
    ],
)
def test_the_opioid_variant_of_a_plain_analgesic_family_reads_as_an_opioid(
    line: str, ingredient: str
) -> None:
    matches = _opioid_lines(line)
    assert len(matches) == 1, (line, matches)
    assert matches[0].ingredients == (ingredient,)


@pytest.mark.parametrize(
    "line",
    [
        "Atasol 500 mg 2 tabs q6h prn",
        "Robaxacet 2 caplets qid prn",
        "Panadol 1 g qid",
        "Margesic 1 cap q4h prn",
        # Everyday words one letter from a brand of the international layer.
        "Sumatriptan 50 mg at onset of migraine",
        "Imodium Instants 2 mg prn",
        "keep a wide safety margin",
        "see pharmacy codes",
    ],
)
def test_the_plain_family_member_and_look_alike_words_are_not_opioids(line: str) -> None:
    assert _opioid_lines(line) == []


@pytest.mark.parametrize("name", [n for e in _intl_entries() for n in e.get("ambiguous", ())])
def test_international_ambiguous_names_read_as_a_possible_opioid(name: str) -> None:
    matches = _opioid_lines(f"{name} 2 tabs prn")
    assert len(matches) == 1, (name, matches)
    assert matches[0].certainty is Certainty.POSSIBLE


def test_long_acting_and_maintenance_brands_keep_their_category() -> None:
    # The brands that lost their category when they were unknown (issue examples).
    expected = {
        "Jurnista 8 mg once daily": "long_acting",
        "Ralivia 200 mg daily": "long_acting",
        "Tradorec XL 200 mg OD": "long_acting",
        "Codeine Contin 100 mg": "long_acting",
        "Targin 10/5 mg": "long_acting",
        "Biodone Forte 80 mg daily": "methadone",
    }
    for line, category in expected.items():
        matches = _opioid_lines(line)
        assert [m.category for m in matches] == [category], line
    assert all(m.maintenance for m in _opioid_lines("Biodone Forte 80 mg daily"))

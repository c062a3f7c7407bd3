"""The generated opioid vocabulary: its invariants, and that it is rebuilt exactly from the fixture.

The data files are written by scripts/build_opioid_vocabulary.py from public RxNorm value sets.
These tests need no network: the script rebuilds everything from tests/data/valueset_rows.csv
and tests/data/valueset_sources.json, and the result must equal the committed files byte for
byte.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from ldn_screen.rules.medication_vocabulary import OpioidCategory

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "ldn_screen" / "rules" / "data"
OPIOIDS = json.loads((DATA / "opioids_rxnorm.json").read_text(encoding="utf-8"))
NON_OPIOIDS = json.loads((DATA / "non_opioids_rxnorm.json").read_text(encoding="utf-8"))
SOURCES = json.loads((ROOT / "tests/data/valueset_sources.json").read_text(encoding="utf-8"))
with (ROOT / "tests/data/valueset_rows.csv").open(encoding="utf-8", newline="") as _handle:
    ROWS = list(csv.DictReader(_handle))

CATEGORIES = {c.value for c in OpioidCategory}  # what the reader can take
REPOSITORIES = {
    "cqframework/opioid-cds-r4",
    "cqframework/ecqm-content-r4-2021",
    "cqframework/cds4cpm",
}


def _load_builder() -> ModuleType:
    path = ROOT / "scripts" / "build_opioid_vocabulary.py"
    spec = importlib.util.spec_from_file_location("build_opioid_vocabulary", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


# --- the committed files --------------------------------------------------------------------


@pytest.mark.parametrize("data", [OPIOIDS, NON_OPIOIDS, SOURCES], ids=["opioids", "non", "fixture"])
def test_every_source_records_repository_commit_path_and_expansion(data: dict) -> None:
    assert data["generated_by"] == "scripts/build_opioid_vocabulary.py"
    assert data["sources"]
    for source in data["sources"]:
        assert source["repository"] in REPOSITORIES
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), source
        assert source["path"].endswith(".json") and not source["path"].startswith("/")
        assert source["valueset"].startswith("http"), source
        assert re.match(r"\d{4}-\d{2}-\d{2}", source["expansion"]), source
        assert source["title"]
        assert source["rows"] > 0
    keys = [s["key"] for s in data["sources"]]
    assert len(keys) == len(set(keys))


def test_every_source_repository_is_used() -> None:
    for data in (OPIOIDS, NON_OPIOIDS):
        assert {s["repository"] for s in data["sources"]} == REPOSITORIES


def test_ingredients_are_unique_sorted_and_categorised() -> None:
    names = [i["name"] for i in OPIOIDS["ingredients"]]
    assert names == sorted(set(names))
    assert all(i["category"] in CATEGORIES for i in OPIOIDS["ingredients"])
    assert all(n == n.lower() and n.strip() == n for n in names)
    by_name = {i["name"]: i["category"] for i in OPIOIDS["ingredients"]}
    assert by_name["methadone"] == "methadone"
    assert by_name["buprenorphine"] == "buprenorphine"


def test_every_brand_is_well_formed() -> None:
    ingredients = {i["name"] for i in OPIOIDS["ingredients"]}
    keys = {s["key"] for s in OPIOIDS["sources"]}
    folded = [b["name"].casefold() for b in OPIOIDS["brands"]]
    assert folded == sorted(set(folded)), "brands must be unique and sorted case-insensitively"
    for brand in OPIOIDS["brands"]:
        assert brand["ingredients"], brand
        assert set(brand["ingredients"]) <= ingredients, brand
        assert brand["category"] in CATEGORIES, brand
        assert isinstance(brand["antitussive"], bool) and isinstance(brand["antidiarrhoeal"], bool)
        assert brand["dose_forms"] == sorted(set(brand["dose_forms"]))
        assert brand["valuesets"] and set(brand["valuesets"]) <= keys, brand
        # An extended-release or patch form always wins over the cough-product reading.
        if any(re.search(r"extended release|transdermal", f, re.I) for f in brand["dose_forms"]):
            assert brand["category"] in {"long_acting", "buprenorphine", "depot_buprenorphine"}


def test_no_name_is_both_opioid_and_known_non_opioid() -> None:
    opioid_names = {i["name"].casefold() for i in OPIOIDS["ingredients"]}
    opioid_names |= {b["name"].casefold() for b in OPIOIDS["brands"]}
    names = NON_OPIOIDS["names"]
    assert names == sorted(set(names))
    assert all(n == n.lower() for n in names)
    assert not opioid_names & {n.casefold() for n in names}


def test_fixture_rows_match_their_sources() -> None:
    counts = Counter(r["valueset"] for r in ROWS)
    assert counts == {s["key"]: s["rows"] for s in SOURCES["sources"]}
    assert {r["is_opioid"] for r in ROWS} == {"true", "false"}
    assert len({(r["valueset"], r["code"]) for r in ROWS}) == len(ROWS)
    # Every opioid set contributes opioid rows, and the non-opioid sets give traps.
    roles = {s["key"]: s["role"] for s in SOURCES["sources"]}
    opioid_sets = {r["valueset"] for r in ROWS if r["is_opioid"] == "true"}
    assert {k for k, role in roles.items() if role == "opioid"} <= opioid_sets
    assert any(r["is_opioid"] == "false" and roles[r["valueset"]] == "non_opioid" for r in ROWS)


def test_every_bracketed_brand_of_an_opioid_row_is_listed() -> None:
    brands = {b["name"].casefold() for b in OPIOIDS["brands"]}
    for row in ROWS:
        if row["is_opioid"] != "true":
            continue
        display = row["display"]
        if display.startswith("{"):  # a pack's own name follows its closing brace
            display = display[: display.rindex("}")]
        for name in re.findall(r"\[([^\]]+)\]", display):
            name = re.sub(r"\s+Reformulated\s+\w+\s+\d{4}$", "", name)
            assert name.casefold() in brands, (name, row)


def test_every_opioid_row_names_a_listed_ingredient() -> None:
    ingredients = {i["name"] for i in OPIOIDS["ingredients"]}
    for row in ROWS:
        text = row["display"].lower()
        found = any(re.search(rf"\b{re.escape(name)}\b", text) for name in ingredients)
        assert found == (row["is_opioid"] == "true"), row


# --- reproducibility --------------------------------------------------------------------------


def test_rebuilding_from_the_fixture_gives_the_committed_files_byte_for_byte() -> None:
    sources, rows = builder.read_fixture(ROOT)
    outputs = builder.build_outputs(sources, rows)
    assert len(outputs) == 4
    for relative, text in outputs.items():
        assert (ROOT / relative).read_text(encoding="utf-8") == text, relative


def _copy_fixture(tmp_path: Path) -> Path:
    for relative in (
        builder.OPIOIDS_JSON,
        builder.NON_OPIOIDS_JSON,
        builder.ROWS_CSV,
        builder.SOURCES_JSON,
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    return tmp_path


def test_check_mode_passes_on_the_committed_files_and_fails_on_an_edit(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    assert builder.main(["--from-fixture", "--check", "--root", str(root)]) == 0
    target = root / builder.OPIOIDS_JSON
    target.write_text(target.read_text(encoding="utf-8").replace("oxycodone", "oxycodon"))
    assert builder.main(["--from-fixture", "--check", "--root", str(root)]) == 1
    assert builder.main(["--from-fixture", "--root", str(root)]) == 0
    assert target.read_bytes() == (ROOT / builder.OPIOIDS_JSON).read_bytes()


# --- the builder's rules, on small made-up value sets ----------------------------------------


def _source(key: str, role: str) -> object:
    return builder.Source(
        key=key,
        repository="cqframework/opioid-cds-r4",
        commit="0" * 40,
        path=f"{key}.json",
        valueset=f"http://example.org/{key}",
        title=key,
        expansion="2025-01-01",
        rows=1,
        role=role,
    )


def _build(rows: list[tuple[str, str]], role: str = "opioid") -> dict:
    source = _source("t/set", role)
    built = builder.build_outputs(
        [source], [builder.Row("t/set", str(n), d) for n, (d, _) in enumerate(rows, 1)]
    )
    return json.loads(built[builder.OPIOIDS_JSON])


def _brand(data: dict, name: str) -> dict:
    return next(b for b in data["brands"] if b["name"] == name)


def test_parse_reads_ingredients_brand_and_form() -> None:
    parsed = builder.parse_display(
        "Abuse-Deterrent 12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet"
        " [Oxycontin]"
    )
    assert parsed.ingredients == ("oxycodone",)
    assert parsed.brands == ("Oxycontin",)
    assert parsed.dose_form == "Extended Release Oral Tablet"
    assert parsed.long_acting
    combo = builder.parse_display(
        "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet [Norco]"
    )
    assert combo.ingredients == ("acetaminophen", "hydrocodone")
    assert combo.opioids == ("hydrocodone",)
    assert not combo.long_acting
    pack = builder.parse_display(
        "{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray [Subsys]) } Pack [Subsys 1200 MCG]"
    )
    assert pack.ingredients == ("fentanyl",) and pack.brands == ("Subsys",)


def test_a_brand_with_extended_and_immediate_release_rows_is_long_acting() -> None:
    data = _build(
        [
            ("tapentadol 50 MG Oral Tablet [Brandx]", ""),
            ("12 HR tapentadol 50 MG Extended Release Oral Tablet [Brandx]", ""),
            ("oxycodone hydrochloride 5 MG Oral Tablet [Brandy]", ""),
        ]
    )
    assert _brand(data, "Brandx")["category"] == "long_acting"
    assert _brand(data, "Brandy")["category"] == "short_acting"


def test_cough_brand_is_antitussive_unless_extended_release() -> None:
    data = _build(
        [
            (
                "homatropine methylbromide 1.5 MG / hydrocodone bitartrate 5 MG Oral Tablet [Tus]",
                "",
            ),
            (
                "12 HR chlorpheniramine polistirex 1.6 MG/ML / hydrocodone polistirex 2 MG/ML"
                " Extended Release Suspension [Tusex]",
                "",
            ),
        ]
    )
    assert _brand(data, "Tus")["category"] == "antitussive"
    assert _brand(data, "Tus")["antitussive"] is True
    assert _brand(data, "Tusex")["category"] == "long_acting"
    assert _brand(data, "Tusex")["antitussive"] is True


def test_buprenorphine_methadone_and_antidiarrhoeal_brands() -> None:
    data = _build(
        [
            ("0.5 ML buprenorphine 200 MG/ML Prefilled Syringe [Depo]", ""),
            ("buprenorphine 74.2 MG Drug Implant [Implnt]", ""),
            ("buprenorphine 8 MG / naloxone 2 MG Sublingual Film [Film]", ""),
            ("methadone hydrochloride 10 MG Oral Tablet [Meth]", ""),
            (
                "atropine sulfate 0.025 MG / diphenoxylate hydrochloride 2.5 MG Oral Tablet [Dia]",
                "",
            ),
        ]
    )
    assert _brand(data, "Depo")["category"] == "depot_buprenorphine"
    assert _brand(data, "Implnt")["category"] == "depot_buprenorphine"
    assert _brand(data, "Film")["category"] == "buprenorphine"
    assert _brand(data, "Film")["ingredients"] == ["buprenorphine"]
    assert _brand(data, "Meth")["category"] == "methadone"
    assert _brand(data, "Dia")["category"] == "antidiarrhoeal"
    assert _brand(data, "Dia")["antidiarrhoeal"] is True


def test_an_unknown_ingredient_in_an_opioid_row_stops_the_build() -> None:
    with pytest.raises(builder.BuildError, match="unknown ingredient 'zorbicaine'"):
        _build([("zorbicaine 5 MG / oxycodone hydrochloride 5 MG Oral Tablet", "")])
    with pytest.raises(builder.BuildError, match="unknown ingredient 'newdrug'"):
        _build([("newdrug 5 MG Oral Tablet", "")], role="opioid")


def test_an_opioid_looking_name_cannot_become_a_known_non_opioid() -> None:
    with pytest.raises(builder.BuildError, match="'ketobemidone' looks like an opioid name"):
        _build([("ketobemidone 5 MG Oral Tablet", "")], role="non_opioid")
    # A plain non-opioid set builds, and its names land in the non-opioid vocabulary.
    source = _source("t/set", "non_opioid")
    built = builder.build_outputs(
        [source], [builder.Row("t/set", "1", "gabapentin 300 MG Oral Capsule [Neurontin]")]
    )
    assert json.loads(built[builder.NON_OPIOIDS_JSON])["names"] == ["gabapentin", "neurontin"]


def test_a_name_that_is_both_opioid_and_non_opioid_is_refused() -> None:
    source = _source("t/set", "non_opioid")
    rows = [
        builder.Row(
            "t/set", "1", "acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet [Tyco]"
        ),
        builder.Row("t/set", "2", "acetaminophen 500 MG Oral Tablet [Tyco]"),
    ]
    with pytest.raises(builder.BuildError, match=r"refusing to list these names.*tyco"):
        builder.build_outputs([source], rows)

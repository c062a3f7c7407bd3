"""The known non-opioid vocabulary (data/non_opioids.toml): well formed, and never an opioid.

The medication-list reader treats a line that names one of these medicines as "another known
medicine". A wrong entry here would wave an opioid through, so these tests check every name
against the opioid vocabulary (opioids.toml) and a fixed list of opioid ingredients, word by
word and one spelling edit away.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ldn_screen.rules.medications import LineKind, read_medication_list

DATA_DIR = Path(__file__).resolve().parents[2] / "ldn_screen" / "rules" / "data"
NON_OPIOIDS = DATA_DIR / "non_opioids.toml"
OPIOIDS = DATA_DIR / "opioids.toml"

# The same word tokens as the matcher in medications.py: letters, digits and "#" apart.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|#")

# Opioid ingredients (and naltrexone, and nalmefene, an opioid antagonist like it) that no
# non-opioid name may contain, whatever opioids.toml says at the time.
OPIOID_INGREDIENTS = (
    "codeine", "dihydrocodeine", "hydrocodone", "oxycodone", "morphine", "hydromorphone",
    "oxymorphone", "fentanyl", "sufentanil", "alfentanil", "remifentanil", "meperidine",
    "pethidine", "methadone", "buprenorphine", "tramadol", "tapentadol", "levorphanol",
    "butorphanol", "pentazocine", "nalbuphine", "opium", "diphenoxylate", "difenoxin",
    "loperamide", "kratom", "mitragynine", "naltrexone", "nalmefene", "samidorphan",
    "dipipanone", "meptazinol", "pholcodine", "dextropropoxyphene", "propoxyphene",
    "heroin", "diamorphine", "paregoric", "benzhydrocodone", "levomethadyl",
    "dextromoramide",
)  # fmt: skip

# Names that must stay out although some are not opioids: vague words that could stand for
# an opioid, and brand families whose bare name is shared with a codeine or dihydrocodeine
# product.
NEVER_LISTED = (
    "pain pill", "pain pills", "pain medication", "pain medicine", "painkiller",
    "pain killer", "pain reliever", "narcotic", "opiate", "opioid", "cough syrup",
    "cough medicine", "nasal spray", "patch", "lozenge", "injection", "syrup",
    "Nurofen Plus", "Panadeine", "Panadeine Forte", "Solpadeine", "Mersyndol", "Migraleve",
    "Migraleve Pink", "Migraleve Yellow", "Syndol", "Codral", "Benylin", "Dimetapp",
    "Robitussin", "Robaxisal", "Paramol", "Tylex",
    "co-codaprin", "co-proxamol", "Percogesic", "Lomotil", "Imodium", "Revia", "Vivitrol",
    "Contrave", "Selincro", "Opvee", "Zurnai", "Lybalvi", "Suboxone", "Zubsolv", "LDN",
    "T3", "T4", "levo", "lofexidine", "Lucemyra",
)  # fmt: skip

# Family names whose plain product has no opioid while a variant does. As with "Tylenol" and
# "Tylenol #3", the bare name is listed here and each opioid variant is a longer name in the
# opioid vocabulary, which the reader prefers (longest name first, an opioid over a medicine).
FAMILIES_WITH_OPIOID_VARIANTS = {
    "Atasol": ("Atasol-8 2 tabs q4h prn", "Atasol-30 1 tab q4h prn"),
    "Robaxacet": ("Robaxacet-8 2 caplets qid prn",),
    "Panado": ("Panado-Co 2 tabs q6h prn",),
    "Fiorinal": ("Fiorinal C 1/4 1 cap q4h prn", "Fiorinal with Codeine 1 cap q4h prn"),
}

# Required by the issue: fibromyalgia co-medications, the trap names that are not opioids
# for the blocking rule, and the abbreviations charts use.
REQUIRED = (
    "amitriptyline", "Elavil", "nortriptyline", "cyclobenzaprine", "Flexeril", "duloxetine",
    "Cymbalta", "milnacipran", "Savella", "pregabalin", "Lyrica", "gabapentin", "Neurontin",
    "Gralise", "Horizant", "tizanidine", "baclofen", "methocarbamol", "metaxalone",
    "carisoprodol", "Soma", "trazodone", "mirtazapine", "zolpidem", "melatonin",
    "sodium oxybate", "Xyrem", "Xywav", "nabilone", "CBD", "medical cannabis", "lidocaine",
    "capsaicin", "diclofenac gel", "naloxone", "Narcan", "Kloxxado", "Zimhi", "Nyxoid",
    "Prenoxad", "methylnaltrexone", "Relistor", "naloxegol", "Movantik", "Moventig",
    "naldemedine", "Symproic", "Rizmoic", "alvimopan", "Entereg", "eluxadoline", "Viberzi",
    "Truberzi", "dextromethorphan", "Delsym", "Robitussin DM", "apomorphine",
    "hydrocortisone", "hydroxyzine", "oxybutynin", "oxcarbazepine", "oxazepam", "oxaprozin",
    "hydralazine", "hydrochlorothiazide", "hydroxychloroquine", "butalbital", "Fioricet",
    "Esgic", "Tylenol", "Tylenol PM", "Tylenol Extra Strength", "Advil", "Motrin", "Aleve",
    "Excedrin", "Panadol", "Nurofen", "Benadryl", "Zyrtec", "Claritin", "Allegra", "Pepcid",
    "Zantac", "Tums", "Gaviscon", "Mucinex", "Sudafed", "Dramamine", "MiraLAX", "Senokot",
    "Colace", "Dulcolax", "Metamucil", "HCTZ", "ASA", "APAP", "MVI", "KCl", "NTG",
    "potassium chloride", "vitamin D3", "fish oil", "magnesium glycinate", "co-enzyme Q10",
    "CoQ10", "St John's wort", "evening primrose oil", "Ventolin", "salbutamol", "albuterol",
    "Symbicort", "Advair", "Seretide", "Flovent", "Spiriva", "Lantus", "Humalog",
    "NovoRapid", "Ozempic", "Wegovy", "Mounjaro", "Trulicity", "Eliquis", "Xarelto",
    "warfarin", "Coumadin", "Yaz", "Microgynon", "Mirena", "sumatriptan", "Imitrex",
    "rizatriptan", "Maxalt", "Nurtec", "Ubrelvy", "Aimovig", "Emgality", "Ajovy",
    "lorazepam", "clonazepam", "diazepam", "alprazolam",
)  # fmt: skip

# A typical fibromyalgia patient's medication list, written as charts write it (by the
# author of this test, not copied). Every line must name a medicine of the vocabulary.
TYPICAL_LINES = (
    "Duloxetine 60 mg PO daily", "Cymbalta 30mg qAM", "amitriptyline 10 mg qhs",
    "Elavil 25 mg at bedtime", "nortriptyline 25mg nightly", "Savella 50 mg BID",
    "pregabalin 75 mg bid", "Lyrica 150mg twice daily", "gabapentin 300 mg TID",
    "Neurontin 600mg tid", "cyclobenzaprine 5 mg qhs prn spasm", "Flexeril 10mg HS",
    "tizanidine 2 mg q8h prn", "Zanaflex 4mg at night", "baclofen 10 mg TID",
    "methocarbamol 750 mg QID prn", "Skelaxin 800mg TID prn", "Soma 350 mg tid prn",
    "ibuprofen 400 mg q6h prn", "Advil 200mg 2 tabs prn", "naproxen 500 mg BID with food",
    "Aleve 220 mg prn", "meloxicam 15 mg daily", "Mobic 7.5mg qd", "celecoxib 200mg daily",
    "Voltaren gel 1% apply QID", "diclofenac 1% gel to knees", "Tylenol 500 mg 2 tabs q6h prn",
    "acetaminophen 650 mg q6h PRN", "APAP 1 g TID", "paracetamol 1g QDS",
    "Tylenol Extra Strength 2 caplets prn", "lidocaine 5% patch 12h on/12h off",
    "Lidoderm patch daily", "capsaicin 0.075% cream", "levothyroxine 75 mcg daily",
    "Synthroid 100mcg qAM empty stomach", "Armour Thyroid 60 mg daily", "lisinopril 10 mg daily",
    "losartan 50mg qd", "amlodipine 5 mg daily", "metoprolol succinate ER 25 mg daily",
    "HCTZ 12.5 mg daily", "hydrochlorothiazide 25mg qam", "metformin 500 mg BID with meals",
    "Metformin ER 1000mg daily", "Ozempic 0.5 mg SC weekly", "Jardiance 10mg daily",
    "Lantus 20 units qhs", "atorvastatin 20 mg qhs", "Crestor 10mg daily",
    "simvastatin 40 mg nightly", "omeprazole 20 mg daily before breakfast",
    "pantoprazole 40mg qAM", "Nexium 40 mg daily", "famotidine 20 mg BID", "Pepcid AC prn",
    "Tums 2 tabs prn heartburn", "vitamin D3 2000 IU daily", "Vit D 50,000 IU weekly",
    "cholecalciferol 1000 units daily", "B12 1000 mcg daily", "cyanocobalamin 1000mcg IM monthly",
    "magnesium glycinate 400 mg qhs", "Magnesium citrate 200mg daily", "Mag oxide 400 mg daily",
    "fish oil 1000 mg BID", "Omega-3 1 cap daily", "CoQ10 100 mg daily", "turmeric 500mg daily",
    "multivitamin 1 tab daily", "MVI daily", "folic acid 1 mg daily",
    "ferrous sulfate 325 mg daily",
    "melatonin 3 mg qhs", "trazodone 50 mg qhs prn sleep", "zolpidem 5 mg qhs prn",
    "sertraline 100 mg daily", "escitalopram 10mg qd", "bupropion XL 150 mg qAM",
    "buspirone 10 mg BID", "clonazepam 0.5 mg bid prn anxiety", "hydroxyzine 25 mg q6h prn itch",
    "cetirizine 10 mg daily", "Zyrtec 10mg qd", "montelukast 10 mg qhs",
    "albuterol HFA 2 puffs q4h prn", "Symbicort 160/4.5 2 puffs BID",
    "fluticasone nasal 2 sprays daily",
    "sumatriptan 50 mg prn migraine", "Nurtec ODT 75mg prn", "Aimovig 70 mg monthly",
    "probiotic 1 cap daily", "glucosamine chondroitin 2 tabs daily", "SAMe 400mg daily",
    "5-HTP 100 mg qhs", "St John's wort 300 mg TID", "ashwagandha 600 mg daily",
    "CBD oil 25 mg qhs", "low dose aspirin 81 mg daily", "ASA 81mg daily",
    "KCl 20 mEq daily", "potassium chloride ER 10 mEq BID", "calcium + D 600 mg BID",
    "biotin 5000 mcg daily", "vitamin C 500mg daily", "zinc 25 mg daily", "Benadryl 25 mg qhs prn",
    "Colace 100 mg BID", "Senokot 2 tabs qhs", "MiraLAX 17 g daily", "Metamucil 1 tbsp daily",
    "Linzess 145 mcg daily", "ondansetron 4 mg q8h prn nausea", "dicyclomine 20 mg QID prn",
    "estradiol 1 mg daily", "Mirena IUD", "oxybutynin ER 5 mg daily", "propranolol 10 mg BID",
    "naloxone 4 mg nasal spray prn", "Narcan 4mg prn overdose", "Fioricet 1-2 tabs q4h prn",
)  # fmt: skip


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(name))


def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def vocab() -> dict:
    return _load(NON_OPIOIDS)


@pytest.fixture(scope="module")
def names(vocab: dict) -> list[str]:
    return [n for g in vocab["group"] for n in g["names"]]


def _opioid_names() -> Iterator[tuple[tuple[str, ...], frozenset[str]]]:
    """Every name opioids.toml reads as an opioid, naltrexone or opioid-like product, with the
    tokens that may not follow it (a name so followed is not that product)."""
    data = _load(OPIOIDS)
    for entry in data["entry"]:
        if entry["kind"] in {"naloxone", "opioid_indicator"}:  # not opioids: listed on purpose
            continue
        not_followed_by = frozenset(w.lower() for w in entry.get("not_followed_by", ()))
        for key in ("generics", "brands"):
            for written in entry.get(key, ()):
                yield _tokens(written), not_followed_by
    for ingredient in OPIOID_INGREDIENTS:
        yield _tokens(ingredient), frozenset()


def _contains(
    words: tuple[str, ...], name: tuple[str, ...], not_followed_by: frozenset[str]
) -> bool:
    """True if `name` occurs in `words` as whole words, as the matcher would read it (a plural
    "s" on the last word counts; a blocked following word does not)."""
    n = len(name)
    for i in range(len(words) - n + 1):
        head, last = words[i : i + n - 1], words[i + n - 1]
        if head != name[:-1] or last not in (name[-1], name[-1] + "s"):
            continue
        if i + n < len(words) and words[i + n] in not_followed_by:
            continue
        return True
    return False


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau distance at most 1: one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = sorted((a, b), key=len)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def test_helpers_behave_as_the_matcher_reads() -> None:
    assert _contains(_tokens("Tylenol with Codeine #3"), ("codeine",), frozenset())
    assert _contains(_tokens("Percocets"), ("percocet",), frozenset())
    assert not _contains(_tokens("Cheratussin DM"), ("cheratussin",), frozenset({"dm"}))
    assert not _contains(_tokens("methylnaltrexone"), ("naltrexone",), frozenset())
    assert _within_one_edit("oxycodone", "oxycodon")
    assert _within_one_edit("codeine", "codiene")
    assert _within_one_edit("morphine", "morphina")
    assert not _within_one_edit("codeine", "cocaine")


def test_every_group_has_a_name_a_source_and_names(vocab: dict) -> None:
    groups = vocab["group"]
    assert len(groups) >= 10
    seen_groups: set[str] = set()
    for group in groups:
        assert set(group) <= {"name", "source", "names", "note"}, group.get("name")
        assert isinstance(group["name"], str) and group["name"].strip()
        assert group["name"] not in seen_groups, group["name"]
        seen_groups.add(group["name"])
        assert isinstance(group["source"], str) and len(group["source"]) >= 5, group["name"]
        assert isinstance(group["names"], list) and group["names"], group["name"]
        for name in group["names"]:
            assert isinstance(name, str) and name == name.strip() and name, (group["name"], name)
            assert _tokens(name), (group["name"], name)


def test_the_header_records_its_sources() -> None:
    header = NON_OPIOIDS.read_text(encoding="utf-8").split("\n[[group]]", 1)[0]
    for needle in (
        "clincalc.com/DrugStats/Top300Drugs",
        "cqframework/opioid-cds-r4",
        "b29bdcbf6db6f3de26486dbc3820572ee9a78b89",
        "nhsbsa",
        "PMC7738697",
        "annrheumdis-2016-209724",
        "PMC3673928",
        "e73c2d2953aaad08f09428a6e70d5a07c5c7db31",
    ):
        assert needle in header, needle


def test_no_name_is_listed_twice(names: list[str]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for name in names:
        key = _tokens(name)
        assert key not in seen, f"{name!r} and {seen[key]!r} read as the same words"
        seen[key] = name


def test_the_vocabulary_is_large_enough(names: list[str]) -> None:
    assert len(names) >= 1500


def test_required_names_are_present(names: list[str]) -> None:
    present = {_tokens(n) for n in names}
    missing = [n for n in REQUIRED if _tokens(n) not in present]
    assert not missing, missing


def test_never_listed_names_are_absent(names: list[str]) -> None:
    present = {_tokens(n) for n in names}
    listed = [n for n in NEVER_LISTED if _tokens(n) in present]
    assert not listed, listed


def test_no_name_contains_an_opioid_name_as_a_word(names: list[str]) -> None:
    opioid_names = list(_opioid_names())
    assert len(opioid_names) > 100  # opioids.toml was read
    clashes = [
        (name, " ".join(opioid))
        for name, words in ((name, _tokens(name)) for name in names)  # each name split once
        for opioid, not_followed_by in opioid_names
        if _contains(words, opioid, not_followed_by)
    ]
    assert not clashes, clashes


def test_no_name_is_one_spelling_edit_from_an_opioid(names: list[str]) -> None:
    # Single-word opioid names of five letters or more: the fixed ingredient list and every
    # one-word generic or brand in opioids.toml. A typo of one of them must never be read as a
    # known non-opioid.
    targets = {i for i in OPIOID_INGREDIENTS if len(i) >= 5}
    targets |= {t[0] for t, _ in _opioid_names() if len(t) == 1 and len(t[0]) >= 5}
    # "Cheratussin DM": a one-word opioid brand whose guard turns away the next word names a
    # different product, which the reader reads by its whole name.
    guarded = {
        (t[0], word)
        for t, not_followed_by in _opioid_names()
        if len(t) == 1
        for word in not_followed_by
    }
    clashes = []
    for name in names:
        words = _tokens(name)
        if len(words) > 1 and (words[0], words[1]) in guarded:
            continue
        candidates = {w for w in words if len(w) >= 5} | {"".join(words)}
        # Only a name's first word can stand alone for it; "bunod" is never written without
        # "latanoprostene" (and the reader matches the whole name).
        candidates -= set(words[1:]) if len(words) > 1 else set()
        for word in candidates:
            if len(word) < 5:
                continue
            for target in targets:
                if _within_one_edit(word, target):
                    clashes.append((name, target))
    assert not clashes, clashes


def test_a_typical_fibromyalgia_list_has_no_unrecognised_line(names: list[str]) -> None:
    vocabulary = [_tokens(n) for n in names]
    unread = [
        line
        for line in TYPICAL_LINES
        if not any(_contains(_tokens(line), name, frozenset()) for name in vocabulary)
    ]
    assert not unread, unread


@pytest.mark.parametrize("family", sorted(FAMILIES_WITH_OPIOID_VARIANTS))
def test_a_family_name_is_a_medicine_and_its_opioid_variants_are_opioids(family: str) -> None:
    today = dt.date(2026, 12, 1)
    plain = read_medication_list(f"{family} 2 tabs q6h prn", today=today).lines[0]
    assert plain.kind is LineKind.MEDICINE
    for line in FAMILIES_WITH_OPIOID_VARIANTS[family]:
        reading = read_medication_list(line, today=today).lines[0]
        assert reading.kind is LineKind.OPIOID, line

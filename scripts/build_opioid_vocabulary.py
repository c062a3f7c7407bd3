#!/usr/bin/env python3
"""Build the packaged opioid and known-non-opioid vocabularies from public RxNorm value sets.

The medication-list reader must know every opioid product in the public RxNorm value sets
(ingredients, and every brand name RxNorm writes in square brackets at the end of a product
string, "... Oral Tablet [Percocet]"). This script reads local copies of those value sets and
writes, deterministically:

* ldn_screen/rules/data/opioids_rxnorm.json      opioid ingredients and brands, with categories
* ldn_screen/rules/data/non_opioids_rxnorm.json  ingredient and brand names of the other rows
* tests/data/valueset_rows.csv                   every row used: valueset,code,display,is_opioid
* tests/data/valueset_sources.json               repository, commit, path and expansion of each
                                                 value set (what --from-fixture needs)

Refresh from the source repositories (a clone of each; see docs/opioid-vocabulary.md):

    python scripts/build_opioid_vocabulary.py \\
        --source cqframework/opioid-cds-r4=../opioid-cds-r4 \\
        --source cqframework/ecqm-content-r4-2021=../ecqm-content-r4-2021 \\
        --source cqframework/cds4cpm=../cds4cpm

Each --source is REPOSITORY=DIRECTORY[@COMMIT]. DIRECTORY is a checkout of the repository (a
work tree); COMMIT is the 40-hex commit that checkout holds, and is read with `git rev-parse
HEAD` when left out. Which files of each repository are read is fixed below in VALUE_SETS, so a
renamed or missing file stops the build instead of silently shrinking the vocabulary.

Rebuild offline from the committed fixture (what the tests do; no network, no clones):

    python scripts/build_opioid_vocabulary.py --from-fixture [--check]

--check writes nothing and exits 1 when a committed file differs from what would be written.

Safety rules enforced here (each failure exits non-zero with the reason):
* every ingredient of an opioid product row, and of every row of an opioid value set, must be in
  OPIOID_INGREDIENTS or CO_INGREDIENTS below, so no new ingredient is silently dropped;
* an ingredient of a non-opioid row that looks like an opioid name (OPIOID_STEMS) must be listed
  in NOT_OPIOIDS_DESPITE_STEM, so an opioid missing from OPIOID_INGREDIENTS cannot end up in
  the known-non-opioid vocabulary;
* no name may be both an opioid (ingredient or brand) and a known non-opioid.

Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

GENERATED_BY = "scripts/build_opioid_vocabulary.py"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ROOT = Path(__file__).resolve().parent.parent

OPIOIDS_JSON = Path("ldn_screen/rules/data/opioids_rxnorm.json")
NON_OPIOIDS_JSON = Path("ldn_screen/rules/data/non_opioids_rxnorm.json")
ROWS_CSV = Path("tests/data/valueset_rows.csv")
SOURCES_JSON = Path("tests/data/valueset_sources.json")

OPIOID = "opioid"
NON_OPIOID = "non_opioid"

# ---------------------------------------------------------------------------------------------
# Which value sets are read. role "opioid": a set of opioid products, where every ingredient
# must be known. role "non_opioid": a set of other medicines, read for the known-non-opioid
# vocabulary and for false-positive traps. A row is an opioid row by its ingredients, whatever
# the role of its set (a chlorpheniramine set holds codeine cough syrups, for example).
# ---------------------------------------------------------------------------------------------
_CDC = "input/vocabulary/valueset/"
_ECQM = "input/vocabulary/valueset/external/valueset-"
_CPM = "input/vocabulary/valueset/valueset-"

VALUE_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "cqframework/opioid-cds-r4": (
        # CDC opioid prescribing guideline CDS: the opioid sets ...
        (_CDC + "opioid-analgesics-with-ambulatory-misuse-potential.json", OPIOID),
        (_CDC + "extended-release-opioid-with-ambulatory-misuse-potential.json", OPIOID),
        (_CDC + "non-synthetic-opioid-medications.json", OPIOID),
        (_CDC + "synthetic-opioid-medications.json", OPIOID),
        (_CDC + "fentanyl-type-medications.json", OPIOID),
        (_CDC + "oxycodone-medications.json", OPIOID),
        (_CDC + "methadone-medications.json", OPIOID),
        (_CDC + "buprenorphine-medications.json", OPIOID),
        (_CDC + "buprenorphine-and-methadone-medications.json", OPIOID),
        # ... and the co-prescribing sets (traps for a name matcher).
        (_CDC + "naloxone-medications.json", NON_OPIOID),
        (_CDC + "benzodiazepine-medications.json", NON_OPIOID),
        (_CDC + "cns-depressant-medications.json", NON_OPIOID),
        (_CDC + "barbiturate-medications.json", NON_OPIOID),
        (_CDC + "amphetamines-class-medications.json", NON_OPIOID),
    ),
    "cqframework/ecqm-content-r4-2021": (
        (_ECQM + "2.16.840.1.113762.1.4.1111.165.json", OPIOID),  # Schedule II & III Opioids
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1351.json", OPIOID),  # Meperidine
        (_ECQM + "2.16.840.1.113883.3.464.1003.198.12.1132.json", NON_OPIOID),  # Opiate Antagonists
        (_ECQM + "2.16.840.1.113762.1.4.1125.1.json", NON_OPIOID),  # Schedule IV Benzodiazepines
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1522.json", NON_OPIOID),  # Benzodiazepine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1480.json", NON_OPIOID),  # Z-hypnotics
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1369.json", NON_OPIOID),  # Carisoprodol
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1362.json", NON_OPIOID),  # Chlorzoxazone
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1372.json", NON_OPIOID),  # Cyclobenzaprine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1358.json", NON_OPIOID),  # Metaxalone
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1370.json", NON_OPIOID),  # Methocarbamol
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1302.json", NON_OPIOID),  # Orphenadrine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1514.json", NON_OPIOID),  # Butalbital
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1284.json", NON_OPIOID),  # Meprobamate
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1348.json", NON_OPIOID),  # Phenobarbital
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1374.json", NON_OPIOID),  # Hydroxyzine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1367.json", NON_OPIOID),  # Promethazine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1352.json", NON_OPIOID),  # Chlorpheniramine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1427.json", NON_OPIOID),  # Brompheniramine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1524.json", NON_OPIOID),  # Pyrilamine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1408.json", NON_OPIOID),  # Triprolidine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1293.json", NON_OPIOID),  # Diphenhydramine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1515.json", NON_OPIOID),  # Doxylamine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1274.json", NON_OPIOID),  # Atropine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1279.json", NON_OPIOID),  # Dicyclomine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1501.json", NON_OPIOID),  # Hyoscyamine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1506.json", NON_OPIOID),  # Meclizine
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1213.json", NON_OPIOID),  # Antidepressants
        (_ECQM + "2.16.840.1.113883.3.526.3.1566.json", NON_OPIOID),  # Adult Depression Meds
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1523.json", NON_OPIOID),  # Antipsychotic
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1171.json", NON_OPIOID),  # ADHD Medications
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1364.json", NON_OPIOID),  # Ketorolac
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1366.json", NON_OPIOID),  # Indomethacin
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1266.json", NON_OPIOID),  # Glucocorticoids
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1354.json", NON_OPIOID),  # Desiccated Thyroid
        (_ECQM + "2.16.840.1.113762.1.4.1110.19.json", NON_OPIOID),  # Statin Grouper
        (_ECQM + "2.16.840.1.113883.3.526.1577.json", NON_OPIOID),  # Therapy for Hypertension
        (_ECQM + "2.16.840.1.113762.1.4.1179.3.json", NON_OPIOID),  # Hypoglycemics
        (_ECQM + "2.16.840.1.113883.3.117.1.7.1.200.json", NON_OPIOID),  # Anticoagulant Therapy
        (_ECQM + "2.16.840.1.113762.1.4.1110.62.json", NON_OPIOID),  # Antithrombotic Therapy
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1365.json", NON_OPIOID),  # Estradiol
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1080.json", NON_OPIOID),  # Contraceptives
        (_ECQM + "2.16.840.1.113883.3.526.3.1190.json", NON_OPIOID),  # Tobacco cessation
        (_ECQM + "2.16.840.1.113883.3.464.1003.196.12.1510.json", NON_OPIOID),  # Dementia
    ),
    "cqframework/cds4cpm": (
        (_CPM + "opioids.json", OPIOID),
        (_CPM + "2.16.840.1.113762.1.4.1021.73.json", NON_OPIOID),  # Non opioid pain medications
        (_CPM + "benzodiazepine-medications.json", NON_OPIOID),
        (_CPM + "naloxone-medications.json", NON_OPIOID),
    ),
}

# ---------------------------------------------------------------------------------------------
# Ingredient knowledge. Names are normalised (lower case, salt words removed, see SALT_WORDS).
# ---------------------------------------------------------------------------------------------
SHORT_ACTING = "short_acting"
LONG_ACTING = "long_acting"
METHADONE = "methadone"
BUPRENORPHINE = "buprenorphine"
DEPOT_BUPRENORPHINE = "depot_buprenorphine"
ANTITUSSIVE = "antitussive"
ANTIDIARRHOEAL = "antidiarrhoeal"
CATEGORIES = (
    SHORT_ACTING,
    LONG_ACTING,
    METHADONE,
    BUPRENORPHINE,
    DEPOT_BUPRENORPHINE,
    ANTITUSSIVE,
    ANTIDIARRHOEAL,
)

# Every opioid ingredient the value sets hold, with the category the name alone implies. The
# matcher upgrades a short-acting name by the form written on the line (ER, patch ...).
OPIOID_INGREDIENTS: dict[str, str] = {
    "alfentanil": SHORT_ACTING,
    "benzhydrocodone": SHORT_ACTING,
    "buprenorphine": BUPRENORPHINE,
    "butorphanol": SHORT_ACTING,
    "codeine": SHORT_ACTING,
    "dextromoramide": SHORT_ACTING,
    "dezocine": SHORT_ACTING,
    # Diphenoxylate and difenoxin are opioids sold only as antidiarrhoeals (with atropine).
    "difenoxin": ANTIDIARRHOEAL,
    "dihydrocodeine": SHORT_ACTING,
    "diphenoxylate": ANTIDIARRHOEAL,
    "dipipanone": SHORT_ACTING,
    "fentanyl": SHORT_ACTING,
    "heroin": SHORT_ACTING,
    "hydrocodone": SHORT_ACTING,
    "hydromorphone": SHORT_ACTING,
    # Levomethadyl acetate (LAAM) is a long-acting maintenance agonist dosed three times a
    # week; the longer interval is the safe reading.
    "levomethadyl": LONG_ACTING,
    "levorphanol": SHORT_ACTING,
    "meperidine": SHORT_ACTING,
    "meptazinol": SHORT_ACTING,
    "methadone": METHADONE,
    "morphine": SHORT_ACTING,
    "nalbuphine": SHORT_ACTING,
    "opium": SHORT_ACTING,
    # RxNorm names these two opium preparations as ingredients of their own.
    "opium tincture": ANTIDIARRHOEAL,
    "paregoric": ANTIDIARRHOEAL,
    "oxycodone": SHORT_ACTING,
    "oxymorphone": SHORT_ACTING,
    "pentazocine": SHORT_ACTING,
    "pholcodine": SHORT_ACTING,
    "propoxyphene": SHORT_ACTING,
    "remifentanil": SHORT_ACTING,
    "sufentanil": SHORT_ACTING,
    "tilidine": SHORT_ACTING,
    "tapentadol": SHORT_ACTING,
    "tramadol": SHORT_ACTING,
}

# Cough-and-cold co-ingredients: an opioid product holding one is a cough product.
COUGH_COLD_INGREDIENTS: frozenset[str] = frozenset(
    {
        "bromodiphenhydramine",
        "brompheniramine",
        "carbinoxamine",
        "chlorcyclizine",
        "chlorpheniramine",
        "dexbrompheniramine",
        "dexchlorpheniramine",
        "diphenhydramine",
        "guaiacolsulfonate",
        "guaifenesin",
        "homatropine",
        "phenylephrine",
        "phenylpropanolamine",
        "promethazine",
        "pseudoephedrine",
        "pyrilamine",
        "triprolidine",
    }
)

# The other co-ingredients seen next to an opioid. Not opioids.
CO_INGREDIENTS: frozenset[str] = COUGH_COLD_INGREDIENTS | frozenset(
    {
        "acetaminophen",
        "aspirin",
        "atropine",
        "belladonna alkaloids",
        "bupivacaine",
        "butalbital",
        "caffeine",
        "carisoprodol",
        "celecoxib",
        "cyclizine",
        "ibuprofen",
        "kaolin",
        "naloxone",
        "naltrexone",
        "ropivacaine",
    }
)

# Letter runs that mark opioid names. A non-opioid ingredient containing one must be named in
# NOT_OPIOIDS_DESPITE_STEM, so a new opioid cannot be filed as a known non-opioid.
OPIOID_STEMS: tuple[str, ...] = (
    "morph",
    "codon",
    "codeine",
    "fentan",
    "orphan",
    "pethidine",
    "meperid",
    "methad",
    "tramad",
    "tapentad",
    "opium",
    "opiat",
    "paregor",
    "nalbuph",
    "pentazoc",
    "propoxy",
    "phenoxyl",
    "difenox",
    "heroin",
    "ketobemid",
    "tilid",
    "mitragyn",
    "kratom",
    "eluxadol",
)
NOT_OPIOIDS_DESPITE_STEM: frozenset[str] = frozenset(
    {
        "dextromethorphan",  # NMDA-antagonist cough suppressant, not an opioid agonist
        "orphenadrine",  # muscle relaxant
        "apomorphine",  # dopamine agonist
    }
)

# Formulation and salt words dropped from ingredient names ("oxycodone hydrochloride").
SALT_WORDS: frozenset[str] = frozenset(
    {
        "acetate",
        "besylate",
        "bitartrate",
        "citrate",
        "dihydrochloride",
        "fumarate",
        "hcl",
        "hydrobromide",
        "hydrochloride",
        "liposomal",
        "maleate",
        "mesylate",
        "methylbromide",
        "napsylate",
        "phosphate",
        "polistirex",
        "succinate",
        "sulfate",
        "tannate",
        "tartrate",
        "terephthalate",
    }
)

# Dose-form words, stripped from the end of a product string that has no strength
# ("linagliptin Oral Tablet", "Actos Pill").
_DOSE_FORM_TEXT = """
    auto-injector bar buccal capsule cartridge chewable chewing coated cream delayed
    disintegrating dose drug elixir enteric extended film foam for gel granules gum implant
    inhalant inhalation inhaler injectable injection injector jelly kit liquid lotion lozenge
    medicated metered mucosal nasal ointment ophthalmic oral otic pack pad paste patch pen pill
    powder prefilled product rectal release shampoo solution spray sublingual suppository
    suspension syringe syrup system tablet topical transdermal troche vaginal wafer
"""
DOSE_FORM_WORDS: frozenset[str] = frozenset(_DOSE_FORM_TEXT.split())

# Words in front of the first ingredient of RxNorm strings ("Abuse-Deterrent 12 HR ...",
# "3-Bead 24 HR ...", "30/70 Release 24 HR ...", "0.25 MG, 0.5 MG Dose 1.5 ML semaglutide").
_LEADING_QUALIFIER = re.compile(
    r"^(?:abuse-deterrent|matrix delivery|\d+-bead|\d+/\d+ release|(?:once|twice)-daily"
    r"|(?:[\d.]+ MG, )*[\d.]+ MG Dose)\s+",
    re.IGNORECASE,
)
# A quantity factor in front of an ingredient: "12 HR", "0.5 ML", "80 ACTUAT".
_QUANTITY_FACTOR = re.compile(r"^\d+(?:\.\d+)?\s+[A-Z]+\s+")
_BRACKET = re.compile(r"\[([^\]]*)\]")
_NUMBER_TOKEN = re.compile(r"^(?:\d+(?:[.,]\d+)*|\.\d+)$")
_REFORMULATED = re.compile(r"\s+Reformulated\s+\w+\s+\d{4}$")
_DURATION = re.compile(r"\b(?:12|24|72|168)\s+HR\b", re.IGNORECASE)
_LONG_ACTING_FORM = re.compile(r"extended release|transdermal|\bpatch\b", re.IGNORECASE)
_DEPOT_FORM = re.compile(r"prefilled syringe|implant", re.IGNORECASE)
_INJECTION = re.compile(r"inject", re.IGNORECASE)
_EXTENDED = re.compile(r"extended release", re.IGNORECASE)
# Names that are packaging, not a medicine.
_NOT_A_NAME: frozenset[str] = frozenset({"inert ingredients"})


class BuildError(Exception):
    """A rule of the vocabulary was broken; the message says which and where."""


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    repository: str
    commit: str
    path: str
    valueset: str
    title: str
    expansion: str
    rows: int
    role: str


@dataclass(frozen=True, slots=True)
class Row:
    valueset: str
    code: str
    display: str


@dataclass(frozen=True, slots=True)
class Parsed:
    ingredients: tuple[str, ...]
    brands: tuple[str, ...]
    dose_form: str
    long_acting: bool
    depot: bool

    @property
    def opioids(self) -> tuple[str, ...]:
        return tuple(i for i in self.ingredients if i in OPIOID_INGREDIENTS)


@dataclass(slots=True)
class _BrandAcc:
    spellings: Counter[str] = field(default_factory=Counter)
    ingredients: set[str] = field(default_factory=set)
    co_ingredients: set[str] = field(default_factory=set)
    dose_forms: set[str] = field(default_factory=set)
    valuesets: set[str] = field(default_factory=set)
    long_acting: bool = False
    depot: bool = False


# ---------------------------------------------------------------------------------------------
# Reading RxNorm product strings
# ---------------------------------------------------------------------------------------------
def normalise_ingredient(text: str) -> str:
    """'Oxycodone Hydrochloride' -> 'oxycodone'; never returns an empty name."""
    # "thyroid (USP)" -> "thyroid"
    words = re.sub(r"\([^)]*\)", " ", text).lower().replace(",", " ").split()
    kept = [w for w in words if w not in SALT_WORDS]
    return " ".join(kept or words)


def _brands(display: str) -> tuple[str, ...]:
    # A pack string ends with the pack's own name ("... } Pack [Subsys 1200 MCG]"); the products
    # inside the braces carry the brand itself, so only those brackets are read.
    is_pack = display.startswith("{") and "}" in display
    scope = display[: display.rindex("}")] if is_pack else display
    names = []
    for raw in _BRACKET.findall(scope):
        name = _REFORMULATED.sub("", raw.strip())
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _strip_dose_form(words: list[str]) -> list[str]:
    end = len(words)
    while end > 1 and words[end - 1].lower() in DOSE_FORM_WORDS:
        end -= 1
    return words[:end]


def _component_ingredient(component: str, last: bool) -> str | None:
    text = component.strip()
    text = _LEADING_QUALIFIER.sub("", text)
    while True:
        stripped = _QUANTITY_FACTOR.sub("", text)
        stripped = _LEADING_QUALIFIER.sub("", stripped)
        if stripped == text:
            break
        text = stripped
    words = text.split()
    name_words: list[str] = []
    for word in words:
        if _NUMBER_TOKEN.match(word):
            break
        name_words.append(word)
    else:
        # No strength: a dose-form group or ingredient-level concept.
        if last:
            name_words = _strip_dose_form(name_words)
    name = " ".join(name_words).strip()
    return normalise_ingredient(name) if name else None


def _dose_form(last_component: str) -> str:
    words = last_component.split()
    idx = max((i for i, w in enumerate(words) if _NUMBER_TOKEN.match(w)), default=None)
    if idx is None:
        return " ".join(words[len(_strip_dose_form(words)) :])
    # words[idx] is the amount, words[idx + 1] its unit; the rest is the dose form.
    return " ".join(words[idx + 2 :])


def parse_display(display: str) -> Parsed:
    """Ingredients, brands and form of one RxNorm product string."""
    brands = _brands(display)
    text = _BRACKET.sub(" ", display)
    if text.startswith("{"):
        # "{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray) } Pack": read the products inside.
        text = text[1 : text.rindex("}")] if "}" in text else text[1:]
        text = re.sub(r"(?:^|\s)\d+\s+\(", " ", text).replace("(", " ").replace(")", " ")
    text = " ".join(text.split())
    components = [c for c in text.split(" / ") if c.strip()]
    ingredients: list[str] = []
    for i, component in enumerate(components):
        name = _component_ingredient(component, last=i == len(components) - 1)
        if name and name not in _NOT_A_NAME and name not in ingredients:
            ingredients.append(name)
    form = _dose_form(components[-1]) if components else ""
    long_acting = bool(_DURATION.search(display) or _LONG_ACTING_FORM.search(display))
    depot = bool(
        _DEPOT_FORM.search(display) or (_INJECTION.search(display) and _EXTENDED.search(display))
    )
    return Parsed(tuple(ingredients), brands, form, long_acting, depot)


# ---------------------------------------------------------------------------------------------
# Reading value-set files
# ---------------------------------------------------------------------------------------------
def _git_head(directory: Path) -> str:
    git = shutil.which("git")
    if git is None:
        raise BuildError(f"{directory}: no @COMMIT given and git is not installed")
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git, "-C", str(directory), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"{directory}: not a git checkout; give the commit as DIR@COMMIT")
    return result.stdout.strip()


def parse_source_arg(arg: str) -> tuple[str, Path, str]:
    """'owner/name=DIR[@COMMIT]' -> (repository, directory, commit)."""
    repository, sep, rest = arg.partition("=")
    if not sep or repository not in VALUE_SETS:
        known = ", ".join(sorted(VALUE_SETS))
        raise BuildError(f"--source {arg!r}: expected REPOSITORY=DIR[@COMMIT] for one of {known}")
    directory_text, at, commit = rest.rpartition("@")
    if not at or not re.fullmatch(r"[0-9a-f]{40}", commit):
        directory_text, commit = rest, ""
    directory = Path(directory_text)
    if not directory.is_dir():
        raise BuildError(f"--source {arg!r}: {directory} is not a directory")
    commit = commit or _git_head(directory)
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise BuildError(f"--source {arg!r}: commit {commit!r} is not 40 hex digits")
    return repository, directory, commit


def _key(repository: str, resource: dict[str, object], path: str) -> str:
    ident = resource.get("id")
    name = ident if isinstance(ident, str) and ident else Path(path).stem
    return f"{repository.split('/')[-1]}/{name}"


def read_value_sets(
    checkouts: dict[str, tuple[Path, str]],
) -> tuple[list[Source], list[Row]]:
    """Read every file of VALUE_SETS from the given checkouts."""
    missing = sorted(set(VALUE_SETS) - set(checkouts))
    if missing:
        raise BuildError(f"no --source given for {', '.join(missing)}")
    sources: list[Source] = []
    rows: list[Row] = []
    for repository, files in VALUE_SETS.items():
        directory, commit = checkouts[repository]
        for path, role in files:
            file = directory / path
            if not file.is_file():
                raise BuildError(f"{repository}: {path} not found under {directory}")
            resource = json.loads(file.read_text(encoding="utf-8"))
            if resource.get("resourceType") != "ValueSet":
                raise BuildError(f"{repository}: {path} is not a FHIR ValueSet")
            expansion = resource.get("expansion") or {}
            stamp = expansion.get("timestamp") or resource.get("date")
            if not stamp:
                raise BuildError(f"{repository}: {path} has no expansion timestamp or date")
            key = _key(repository, resource, path)
            seen: dict[str, Row] = {}
            for concept in expansion.get("contains", []):
                if concept.get("system") != RXNORM_SYSTEM:
                    continue
                code, display = str(concept["code"]), str(concept.get("display") or "")
                if not display:
                    raise BuildError(f"{key}: RxNorm code {code} has no display string")
                seen.setdefault(code, Row(key, code, " ".join(display.split())))
            if not seen:
                raise BuildError(f"{repository}: {path} has no RxNorm rows in its expansion")
            rows.extend(seen.values())
            sources.append(
                Source(
                    key=key,
                    repository=repository,
                    commit=commit,
                    path=path,
                    valueset=str(resource.get("url") or ""),
                    title=str(resource.get("title") or resource.get("name") or ""),
                    expansion=str(stamp),
                    rows=len(seen),
                    role=role,
                )
            )
    keys = [s.key for s in sources]
    if len(keys) != len(set(keys)):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise BuildError(f"two value sets share a key: {twice}")
    return sources, rows


# ---------------------------------------------------------------------------------------------
# Building the vocabularies
# ---------------------------------------------------------------------------------------------
def _is_opioid_name(name: str) -> bool:
    return any(stem in name for stem in OPIOID_STEMS)


def classify(rows: Sequence[Row], sources: Sequence[Source]) -> dict[Row, Parsed]:
    """Parse every row and enforce the ingredient rules."""
    roles = {s.key: s.role for s in sources}
    parsed: dict[Row, Parsed] = {}
    # problem -> (rows affected, first example), so one new ingredient is one message.
    problems: dict[str, list[object]] = {}

    def problem(message: str, row: Row) -> None:
        entry = problems.setdefault(message, [0, f"{row.valueset} {row.code} {row.display!r}"])
        entry[0] = int(str(entry[0])) + 1

    for row in rows:
        if row.valueset not in roles:
            problem(f"row of a value set not in VALUE_SETS: {row.valueset}", row)
            continue
        p = parse_display(row.display)
        parsed[row] = p
        if not p.ingredients:
            problem("no ingredient read", row)
            continue
        strict = roles[row.valueset] == OPIOID or bool(p.opioids)
        for name in p.ingredients:
            if name in OPIOID_INGREDIENTS:
                continue
            if strict and name not in CO_INGREDIENTS:
                problem(
                    f"unknown ingredient {name!r} in an opioid row or set"
                    " (add it to OPIOID_INGREDIENTS or CO_INGREDIENTS)",
                    row,
                )
            elif _is_opioid_name(name) and name not in NOT_OPIOIDS_DESPITE_STEM:
                problem(
                    f"{name!r} looks like an opioid name (OPIOID_STEMS); add it to"
                    " OPIOID_INGREDIENTS or NOT_OPIOIDS_DESPITE_STEM",
                    row,
                )
    if problems:
        raise BuildError(
            "\n".join(f"{m} -- {n} row(s), e.g. {ex}" for m, (n, ex) in sorted(problems.items()))
        )
    return parsed


def _brand_category(acc: _BrandAcc) -> str:
    cats = {OPIOID_INGREDIENTS[i] for i in acc.ingredients}
    if BUPRENORPHINE in cats and acc.depot:
        return DEPOT_BUPRENORPHINE
    if METHADONE in cats:
        return METHADONE
    if BUPRENORPHINE in cats:
        return BUPRENORPHINE
    # Extended release before the cough and antidiarrhoeal checks: the longer interval is the
    # safe reading when a brand has both forms.
    if acc.long_acting or LONG_ACTING in cats:
        return LONG_ACTING
    if ANTIDIARRHOEAL in cats:
        return ANTIDIARRHOEAL
    if acc.co_ingredients & COUGH_COLD_INGREDIENTS:
        return ANTITUSSIVE
    return SHORT_ACTING


def _canonical_spelling(spellings: Counter[str]) -> str:
    return sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def build_opioids(parsed: dict[Row, Parsed], sources: Sequence[Source]) -> dict[str, object]:
    ingredients: set[str] = set()
    brands: dict[str, _BrandAcc] = defaultdict(_BrandAcc)
    used: Counter[str] = Counter()
    for row, p in parsed.items():
        opioids = p.opioids
        if not opioids:
            continue
        used[row.valueset] += 1
        ingredients.update(opioids)
        for brand in p.brands:
            acc = brands[brand.casefold()]
            acc.spellings[brand] += 1
            acc.ingredients.update(opioids)
            acc.co_ingredients.update(i for i in p.ingredients if i not in OPIOID_INGREDIENTS)
            if p.dose_form:
                acc.dose_forms.add(p.dose_form)
            acc.valuesets.add(row.valueset)
            acc.long_acting |= p.long_acting
            acc.depot |= p.depot
    brand_entries = []
    for folded in sorted(brands):
        acc = brands[folded]
        cats = {OPIOID_INGREDIENTS[i] for i in acc.ingredients}
        brand_entries.append(
            {
                "name": _canonical_spelling(acc.spellings),
                "ingredients": sorted(acc.ingredients),
                "category": _brand_category(acc),
                "antitussive": bool(acc.co_ingredients & COUGH_COLD_INGREDIENTS),
                "antidiarrhoeal": ANTIDIARRHOEAL in cats,
                "dose_forms": sorted(acc.dose_forms),
                "valuesets": sorted(acc.valuesets),
            }
        )
    return {
        "generated_by": GENERATED_BY,
        "sources": _source_entries(sources, used),
        "ingredients": [
            {"name": name, "category": OPIOID_INGREDIENTS[name]} for name in sorted(ingredients)
        ],
        "brands": brand_entries,
    }


def build_non_opioids(
    parsed: dict[Row, Parsed], sources: Sequence[Source], opioids: dict[str, object]
) -> dict[str, object]:
    names: set[str] = set()
    used: Counter[str] = Counter()
    for row, p in parsed.items():
        if p.opioids:
            continue
        used[row.valueset] += 1
        names.update(p.ingredients)
        names.update(b.lower() for b in p.brands)
    opioid_names = {str(e["name"]).casefold() for e in _entries(opioids, "ingredients")}
    opioid_names |= {str(e["name"]).casefold() for e in _entries(opioids, "brands")}
    clash = sorted(n for n in names if n.casefold() in opioid_names)
    if clash:
        raise BuildError(
            "refusing to list these names as known non-opioids: they are also opioid ingredients"
            f" or brands: {', '.join(clash)}"
        )
    return {
        "generated_by": GENERATED_BY,
        "sources": _source_entries(sources, used),
        "names": sorted(names),
    }


def _entries(data: dict[str, object], key: str) -> list[dict[str, object]]:
    value = data[key]
    assert isinstance(value, list)  # noqa: S101 - built above
    return value


def _source_entries(sources: Sequence[Source], used: Counter[str]) -> list[dict[str, object]]:
    return [
        {
            "key": s.key,
            "repository": s.repository,
            "commit": s.commit,
            "path": s.path,
            "valueset": s.valueset,
            "title": s.title,
            "expansion": s.expansion,
            "rows": used[s.key],
        }
        for s in sources
        if used[s.key]
    ]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def dump_json(data: dict[str, object]) -> str:
    """One list entry per line, so a refresh reads as a short diff."""
    out = ["{"]
    items = list(data.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if isinstance(value, list) and value:
            out.append(f"  {json.dumps(key)}: [")
            for m, entry in enumerate(value):
                sep = "," if m < len(value) - 1 else ""
                out.append(f"    {json.dumps(entry, ensure_ascii=False)}{sep}")
            out.append(f"  ]{comma}")
        else:
            out.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    out.append("}")
    return "\n".join(out) + "\n"


def _sorted_rows(rows: Iterable[Row], sources: Sequence[Source]) -> list[Row]:
    order = {s.key: n for n, s in enumerate(sources)}
    return sorted(rows, key=lambda r: (order[r.valueset], int(r.code), r.code))


def dump_rows_csv(rows: Sequence[Row], parsed: dict[Row, Parsed]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["valueset", "code", "display", "is_opioid"])
    for row in rows:
        opioid = "true" if parsed[row].opioids else "false"
        writer.writerow([row.valueset, row.code, row.display, opioid])
    return buffer.getvalue()


def dump_sources(sources: Sequence[Source]) -> str:
    return dump_json({"generated_by": GENERATED_BY, "sources": [asdict(s) for s in sources]})


def build_outputs(sources: Sequence[Source], rows: Sequence[Row]) -> dict[Path, str]:
    """Everything this script writes, as relative path -> text."""
    ordered = _sorted_rows(rows, sources)
    parsed = classify(ordered, sources)
    opioids = build_opioids(parsed, sources)
    non_opioids = build_non_opioids(parsed, sources, opioids)
    return {
        OPIOIDS_JSON: dump_json(opioids),
        NON_OPIOIDS_JSON: dump_json(non_opioids),
        ROWS_CSV: dump_rows_csv(ordered, parsed),
        SOURCES_JSON: dump_sources(sources),
    }


def read_fixture(root: Path) -> tuple[list[Source], list[Row]]:
    """The committed rows and sources: a rebuild that needs no network and no clones."""
    meta = json.loads((root / SOURCES_JSON).read_text(encoding="utf-8"))
    sources = [Source(**entry) for entry in meta["sources"]]
    rows: list[Row] = []
    with (root / ROWS_CSV).open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            rows.append(Row(record["valueset"], record["code"], record["display"]))
    return sources, rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="REPOSITORY=DIR[@COMMIT]",
        help="a checkout of one source repository (give all three)",
    )
    parser.add_argument(
        "--from-fixture",
        action="store_true",
        help=f"rebuild from the committed {ROWS_CSV} and {SOURCES_JSON}",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a diff")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: this repo)")
    args = parser.parse_args(argv)
    try:
        if args.from_fixture == bool(args.source):
            raise BuildError("give either --source (all three repositories) or --from-fixture")
        if args.from_fixture:
            sources, rows = read_fixture(args.root)
        else:
            checkouts: dict[str, tuple[Path, str]] = {}
            for arg in args.source:
                repository, directory, commit = parse_source_arg(arg)
                checkouts[repository] = (directory, commit)
            sources, rows = read_value_sets(checkouts)
        outputs = build_outputs(sources, rows)
    except BuildError as error:
        print(f"build_opioid_vocabulary: {error}", file=sys.stderr)
        return 2
    stale = []
    for relative, text in outputs.items():
        target = args.root / relative
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            continue
        stale.append(str(relative))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"build_opioid_vocabulary: out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    verb = "would change" if args.check else "wrote"
    print(f"{verb} {len(stale)} file(s); {len(rows)} rows from {len(sources)} value sets")
    return 0


if __name__ == "__main__":
    sys.exit(main())

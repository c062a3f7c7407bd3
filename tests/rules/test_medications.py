"""The medication-list reader: realistic chart lines, traps, typos, line semantics, robustness
and the evaluation on RxNorm-coded value-set rows (how readings feed the verdict:
test_medication_rules.py and test_opioid_rules.py)."""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import functools
import json
import random
import re
import string
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldn_screen.rules import DEFAULT_SETTINGS, Verdict, screen
from ldn_screen.rules.medication_vocabulary import (
    CHART_WORDS,
    CURATED_NON_OPIOIDS,
    CURATED_OPIOIDS,
    CURATED_OPIOIDS_MORE,
    RXNORM_NON_OPIOIDS,
    RXNORM_OPIOIDS,
    build_vocabulary,
    edit_distance,
    vocabulary,
)
from ldn_screen.rules.medications import (
    Certainty,
    LineKind,
    LineReading,
    MatchKind,
    MedicationReading,
    OpioidCategory,
    latest_date_in,
    line_key,
    read_medication_list,
)
from ldn_screen.rules.sources import SOURCES
from tests.medication_eval import clean_patient

SA = OpioidCategory.SHORT_ACTING
LA = OpioidCategory.LONG_ACTING
METH = OpioidCategory.METHADONE
BUP = OpioidCategory.BUPRENORPHINE
DEPOT = OpioidCategory.DEPOT_BUPRENORPHINE
AT = OpioidCategory.ANTITUSSIVE
AD = OpioidCategory.ANTIDIARRHOEAL
UNKNOWN = OpioidCategory.UNKNOWN
EXACT, BRAND, POSSIBLE = Certainty.EXACT, Certainty.BRAND, Certainty.POSSIBLE

TODAY = dt.date(2026, 12, 1)
EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "medication_eval.csv"
RXNORM = json.loads(RXNORM_OPIOIDS.read_text(encoding="utf-8"))
# Opioid ingredient names as RxNorm writes them (it has "opium tincture" and "paregoric" too).
OPIOID_INGREDIENTS = {i["name"] for i in RXNORM["ingredients"]}


def read(text: str, **options: Any) -> MedicationReading:
    return read_medication_list(text, today=TODAY, **options)


def only(line: str) -> LineReading:
    """The reading of a one-line list."""
    lines = read(line).lines
    assert len(lines) == 1, lines
    return lines[0]


# --- realistic chart lines ----------------------------------------------------------------

OPIOID_LINES = [
    # (line as pasted, first ingredient, category, certainty)
    ("tramadol 50 mg 1 tab PO q6h PRN pain", "tramadol", SA, EXACT),
    ("traMADol 50 mg tablet", "tramadol", SA, EXACT),
    ("oxyCODONE 5 mg PO q4h PRN", "oxycodone", SA, EXACT),
    ("HYDROcodone-acetaminophen 5-325 mg tablet", "hydrocodone", SA, EXACT),
    ("hydrocodone-acetaminophen", "hydrocodone", SA, EXACT),
    ("oxycodone/APAP 5/325 1 tab q6h prn", "oxycodone", SA, EXACT),
    ("Oxycodone5mg tab", "oxycodone", SA, EXACT),
    ("Percocet 10/325 mg every 6 hours as needed", "oxycodone", SA, BRAND),
    ("Percocets prn", "oxycodone", SA, BRAND),
    ("Roxicodone 15 mg", "oxycodone", SA, BRAND),
    ("Endocet 5/325", "oxycodone", SA, BRAND),
    ("Norco 10-325 mg 1 tab q6h", "hydrocodone", SA, BRAND),
    ("Vicodin ES", "hydrocodone", SA, BRAND),
    ("Lortab elixir 10 mL", "hydrocodone", SA, BRAND),
    ("Vicoprofen 7.5/200", "hydrocodone", SA, BRAND),
    ("Apadaz 6.12/325 mg", "benzhydrocodone", SA, BRAND),
    ("Tylenol #3 1-2 tabs q4-6h prn", "codeine", SA, BRAND),
    ("Tylenol#4", "codeine", SA, BRAND),
    ("Tylenol No. 3 at bedtime", "codeine", SA, BRAND),
    ("Tylenol with Codeine #3", "codeine", SA, BRAND),
    ("Tylenol 3 one tab at night", "codeine", SA, BRAND),
    ("APAP/codeine 300/30 mg", "codeine", SA, EXACT),
    ("acetaminophen-codeine 300-30", "codeine", SA, EXACT),
    ("co-codamol 30/500 two tablets four times a day", "codeine", SA, EXACT),
    ("Fioricet with Codeine", "codeine", SA, BRAND),
    ("Dilaudid 2 mg q4h prn", "hydromorphone", SA, BRAND),
    ("HYDROmorphone 4 mg", "hydromorphone", SA, EXACT),
    ("morphine sulfate IR 15 mg q4h prn", "morphine", SA, EXACT),
    ("Demerol 50 mg", "meperidine", SA, BRAND),
    ("pethidine 50 mg", "meperidine", SA, EXACT),
    ("levorphanol 2 mg q6h", "levorphanol", SA, EXACT),
    # RxNorm sells the immediate- and extended-release products under one brand name: the
    # brand alone reads as long-acting (the safer reading of an ambiguous line).
    ("Nucynta 50 mg q6h prn", "tapentadol", LA, BRAND),
    ("Ultram 50 mg", "tramadol", LA, BRAND),
    ("Ultracet 37.5/325 mg", "tramadol", SA, BRAND),
    ("Seglentis 56/44 mg", "tramadol", SA, BRAND),
    ("fentaNYL 100 mcg buccal tablet", "fentanyl", SA, EXACT),
    ("Actiq 200 mcg lozenge", "fentanyl", SA, BRAND),
    ("Fentora 100 mcg", "fentanyl", SA, BRAND),
    ("Dsuvia 30 mcg SL", "sufentanil", SA, BRAND),
    ("Trezix capsule", "dihydrocodeine", SA, BRAND),
    ("butorphanol nasal spray 1 mg/actuation", "butorphanol", SA, EXACT),
    ("nalbuphine 10 mg IM", "nalbuphine", SA, EXACT),
    ("Talwin NX", "pentazocine", SA, BRAND),
    ("pentazocine/naloxone 50/0.5 mg", "pentazocine", SA, EXACT),
    ("heroin use (most days)", "heroin", SA, EXACT),
    # "daily" with no "prn" or "IR": a regular once-daily opioid reads as extended-release.
    ("heroin use (daily)", "heroin", LA, EXACT),
    ("diamorphine", "heroin", SA, EXACT),
    ("opium and belladonna suppository", "opium", SA, EXACT),
    # long-acting: generic upgraded by the line's wording, or an extended-release brand
    (
        "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet [OxyContin]",
        "oxycodone",
        LA,
        EXACT,
    ),
    ("OxyContin 20 mg q12h", "oxycodone", LA, BRAND),
    ("oxyCODONE ER 10 mg q12h", "oxycodone", LA, EXACT),
    ("oxycodone XR 10 mg", "oxycodone", LA, EXACT),
    ("oxycodone ER/LA 20 mg", "oxycodone", LA, EXACT),
    ("morphine SR 30 mg bid", "morphine", LA, EXACT),
    ("morphine sulfate CR 15 mg", "morphine", LA, EXACT),
    ("morphine controlled release 30 mg", "morphine", LA, EXACT),
    ("morphine sustained-release 60 mg", "morphine", LA, EXACT),
    ("long-acting morphine 30 mg", "morphine", LA, EXACT),
    ("hydromorphone 24 HR 8 mg", "hydromorphone", LA, EXACT),
    ("tramadol extended-release 100 mg daily", "tramadol", LA, EXACT),
    ("tramadol 24-hour 200 mg", "tramadol", LA, EXACT),
    ("oxymorphone XL 10 mg", "oxymorphone", LA, EXACT),
    ("fentaNYL 25 mcg/hr transdermal patch q72h", "fentanyl", LA, EXACT),
    ("fentanyl patch 50 mcg/hr", "fentanyl", LA, EXACT),
    ("fentanyl 12 mcg/hr", "fentanyl", LA, EXACT),
    ("72 HR fentanyl 0.025 MG/HR Transdermal System", "fentanyl", LA, EXACT),
    ("Duragesic 50 mcg/hr", "fentanyl", LA, BRAND),
    ("MS Contin 15 mg bid", "morphine", LA, BRAND),
    ("MS-Contin 30mg", "morphine", LA, BRAND),
    ("Kadian 20 mg daily", "morphine", LA, BRAND),
    ("Arymo ER 15 mg", "morphine", LA, BRAND),
    ("Embeda 20 mg/0.8 mg", "morphine", LA, BRAND),
    ("Xtampza ER 9 mg", "oxycodone", LA, BRAND),
    ("Troxyca ER 10/1.2", "oxycodone", LA, BRAND),
    ("Targiniq ER 10/5", "oxycodone", LA, BRAND),
    ("Hysingla ER 20 mg daily", "hydrocodone", LA, BRAND),
    ("Zohydro ER 10 mg", "hydrocodone", LA, BRAND),
    ("Exalgo 8 mg", "hydromorphone", LA, BRAND),
    ("Opana ER 5 mg", "oxymorphone", LA, BRAND),
    ("Nucynta ER 100 mg bid", "tapentadol", LA, BRAND),
    ("ConZip 100 mg", "tramadol", LA, BRAND),
    ("Ultram ER 100 mg", "tramadol", LA, BRAND),
    # methadone and buprenorphine
    ("methadone 10 mg PO TID", "methadone", METH, EXACT),
    (
        "Methadone HCl 10 mg/mL oral concentrate 85 mg daily (clinic dosed)",
        "methadone",
        METH,
        EXACT,
    ),
    ("Dolophine 5 mg", "methadone", METH, BRAND),
    ("Methadose 40 mg dispersible", "methadone", METH, BRAND),
    ("Diskets 40 mg", "methadone", METH, BRAND),
    ("Suboxone 8 mg-2 mg SL film daily", "buprenorphine", BUP, BRAND),
    ("buprenorphine-naloxone 8-2 mg SL", "buprenorphine", BUP, EXACT),
    ("Zubsolv 5.7/1.4 mg", "buprenorphine", BUP, BRAND),
    ("Bunavail 4.2/0.7", "buprenorphine", BUP, BRAND),
    ("Subutex 8 mg SL", "buprenorphine", BUP, BRAND),
    ("Butrans 10 mcg/hr patch weekly", "buprenorphine", BUP, BRAND),
    ("buprenorphine patch 5 mcg/hr", "buprenorphine", BUP, EXACT),
    ("Belbuca 150 mcg buccal film bid", "buprenorphine", BUP, BRAND),
    ("Buprenex 0.3 mg IM", "buprenorphine", BUP, BRAND),
    ("Sublocade 300 mg SC monthly", "buprenorphine", DEPOT, BRAND),
    ("Brixadi weekly 16 mg", "buprenorphine", DEPOT, BRAND),
    ("Probuphine implant", "buprenorphine", DEPOT, BRAND),
    ("buprenorphine extended-release injection 100 mg monthly", "buprenorphine", DEPOT, EXACT),
    ("buprenorphine 74.2 mg implant x4", "buprenorphine", DEPOT, EXACT),
    ("buprenorphine depot", "buprenorphine", DEPOT, EXACT),
    # cough and cold products; extended-release ones are long-acting (the ER check runs first)
    ("Tussionex 5 mL q12h prn cough", "hydrocodone", LA, BRAND),
    ("Hycodan 5 mg tab", "hydrocodone", AT, BRAND),
    ("Tussigon", "hydrocodone", AT, BRAND),
    ("hydrocodone/homatropine 5-1.5 mg/5 mL", "hydrocodone", AT, EXACT),
    ("hydrocodone polistirex-chlorpheniramine polistirex ER suspension", "hydrocodone", LA, EXACT),
    ("Tuzistra XR 5 mL q12h", "codeine", LA, BRAND),
    ("Tuxarin ER", "codeine", LA, BRAND),
    ("Cheratussin AC 10 mL q4h prn", "codeine", AT, BRAND),
    ("Robitussin AC 10 mL", "codeine", AT, BRAND),
    ("Brontex", "codeine", AT, BRAND),
    ("guaifenesin/codeine 100-10 mg/5 mL", "codeine", AT, EXACT),
    ("codeine syrup 10 mL", "codeine", AT, EXACT),
    ("promethazine with codeine 5 mL q6h", "codeine", AT, EXACT),
    ("promethazine VC with codeine", "codeine", AT, EXACT),
    ("Flowtuss", "hydrocodone", AT, BRAND),
    # antidiarrhoeals
    ("Lomotil 2.5 mg/0.025 mg after each loose stool", "diphenoxylate", AD, BRAND),
    ("Lonox", "diphenoxylate", AD, BRAND),
    ("diphenoxylate/atropine", "diphenoxylate", AD, EXACT),
    ("Motofen", "difenoxin", AD, BRAND),
    ("difenoxin-atropine 1/0.025 mg", "difenoxin", AD, EXACT),
    ("opium tincture 0.6 mL qid", "opium", AD, EXACT),
    ("tincture of opium", "opium", AD, EXACT),
    ("paregoric 5 mL", "opium", AD, EXACT),
]


@pytest.mark.parametrize(("line", "ingredient", "category", "certainty"), OPIOID_LINES)
def test_chart_line_is_read_as_an_opioid(
    line: str, ingredient: str, category: OpioidCategory, certainty: Certainty
) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.is_current_opioid and reading.names_opioid
    assert reading.ingredients[0] == ingredient
    # Only opioid ingredients are reported: not the APAP, naloxone or naltrexone beside them.
    assert set(reading.ingredients) <= OPIOID_INGREDIENTS | {"nalbuphine"}
    assert reading.category is category, reading.why
    assert reading.certainty is certainty
    assert reading.line_no == 1
    assert reading.text == line.strip()
    assert reading.names and all(name in line for name in reading.names)
    assert reading.source_key in SOURCES
    assert reading.why


OTHER_KINDS = [
    # (line, kind, ingredient, source)
    ("kratom powder 2 g daily", LineKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("mitragynine extract", LineKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("7-hydroxymitragynine", LineKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("7-OH tablets from the gas station", LineKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("naltrexone 50 mg daily", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("LDN 1.5 mg at night", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("low dose naltrexone 4.5 mg", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Revia 50 mg", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Vivitrol 380 mg IM every 4 weeks", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Contrave 8/90 mg 2 tabs bid", LineKind.NALTREXONE, "naltrexone", "label_indications"),
    ("bupropion/naltrexone ER", LineKind.NALTREXONE, "naltrexone", "label_indications"),
]


@pytest.mark.parametrize(("line", "kind", "ingredient", "source"), OTHER_KINDS)
def test_opioid_like_and_naltrexone_lines(
    line: str, kind: LineKind, ingredient: str, source: str
) -> None:
    reading = only(line)
    assert reading.kind is kind
    assert not reading.is_current_opioid and not reading.names_opioid
    assert reading.category is None
    assert reading.ingredients == (ingredient,)
    assert reading.source_key == source


@pytest.mark.parametrize(
    "line", ["Imodium A-D 2 mg prn", "loperamide 2 mg after each loose stool", "Imodium"]
)
def test_loperamide_is_a_known_medicine_flagged_as_a_peripheral_opioid(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.MEDICINE
    assert reading.peripheral_opioid
    assert reading.category is None and not reading.names_opioid
    assert reading.ingredients == ("loperamide",)
    assert reading.source_key == "loperamide_peripheral"


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("tramadol 50 mg", "label_opioid_free"),
        ("oxycodone 5 mg", "cdc_mme"),
        ("methadone 10 mg", "label_switching"),
        ("Suboxone 8/2", "label_switching"),
        ("Talwin NX", "label_ca_agonist_antagonists"),
        ("Hycodan", "fda_2018_cough"),
        # Tussionex is an extended-release suspension: the RxNorm reading (long-acting) is
        # the safer one and is kept, with its source.
        ("Tussionex", "cqf_valuesets"),
        ("codeine/guaifenesin syrup", "cdc_mme"),
        ("Lomotil", "diphenoxylate_label"),
        ("paregoric", "label_opioid_products"),
        ("Dsuvia", "cqf_valuesets"),
        ("naloxone 4 mg nasal spray", "policy_medication_list"),
        ("gabapentin 300 mg", "non_opioid_vocabulary"),
    ],
)
def test_each_reading_cites_its_source(line: str, source: str) -> None:
    assert only(line).source_key == source


# --- the traps ----------------------------------------------------------------------------

COMBINATIONS_THAT_ARE_OPIOIDS = [
    ("Suboxone", "buprenorphine"),
    ("Zubsolv", "buprenorphine"),
    ("buprenorphine/naloxone 8/2 mg", "buprenorphine"),
    ("Talwin NX", "pentazocine"),
    ("Targiniq ER", "oxycodone"),
    ("oxycodone/naloxone", "oxycodone"),
    ("Embeda", "morphine"),
    ("morphine/naltrexone ER 30/1.2 mg", "morphine"),
    ("Troxyca ER", "oxycodone"),
    (
        "Abuse-Deterrent morphine sulfate 20 MG / naltrexone hydrochloride 0.8 MG Extended Release "
        "Oral Capsule",
        "morphine",
    ),
]


@pytest.mark.parametrize(("line", "ingredient"), COMBINATIONS_THAT_ARE_OPIOIDS)
def test_opioid_with_an_antagonist_is_still_an_opioid(line: str, ingredient: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.ingredients == (ingredient,)  # the antagonist is not reported as an ingredient


NALOXONE_PRODUCTS = [
    "naloxone 4 mg nasal spray",
    "naloxone",
    "Narcan 4 mg",
    "Kloxxado 8 mg",
    "Zimhi 5 mg",
    "Evzio",
]

NEVER_AN_OPIOID = [
    *NALOXONE_PRODUCTS,
    # peripherally acting antagonists and other opioid-receptor traps
    "methylnaltrexone 150 mg",
    "Relistor 12 mg SC",
    "naloxegol 25 mg",
    "Movantik 25 mg daily",
    "alvimopan 12 mg",
    "Entereg",
    "naldemedine 0.2 mg",
    "Symproic 0.2 mg",
    "eluxadoline 100 mg bid",
    "Viberzi 100 mg bid",
    "Lucemyra 0.18 mg",
    "apomorphine 2 mg SC",
    # cough products without an opioid
    "dextromethorphan 30 mg",
    "Delsym 10 mL q12h",
    "Robitussin DM 10 mL",
    "Cheratussin DM 10 mL",
    "guaifenesin DM",
    "Mucinex DM",
    "promethazine 25 mg qhs",
    "guaifenesin 600 mg ER bid",
    "benzonatate 100 mg tid",
    "Tessalon perles",
    "chlorpheniramine 4 mg",
    # fibromyalgia medicines and look-alike names
    "gabapentin 300 mg tid",
    "Neurontin 600 mg",
    "pregabalin 75 mg bid",
    "Lyrica 150 mg",
    "duloxetine 60 mg daily",
    "Cymbalta 30 mg",
    "milnacipran 50 mg bid",
    "Savella 50 mg",
    "amitriptyline 10 mg qhs",
    "cyclobenzaprine 5 mg qhs",
    "Flexeril 10 mg",
    "tizanidine 4 mg",
    "Zanaflex 2 mg",
    "methocarbamol 750 mg tid",
    "metaxalone 800 mg tid",
    "oxybutynin 5 mg bid",
    "oxcarbazepine 300 mg bid",
    "ibuprofen 800 mg",
    "naproxen 500 mg bid",
    "meloxicam 15 mg",
    "celecoxib 200 mg",
    "Celebrex 200 mg",
    "diclofenac gel 1% qid",
    # acetaminophen that is not Tylenol #3, and butalbital without codeine
    "acetaminophen 500 mg",
    "APAP 650 mg q6h",
    "Tylenol",
    "Tylenol 500 mg",
    "Tylenol Extra Strength",
    "Tylenol PM",
    "Tylenol 8 HR Arthritis 650 mg",
    "Tylenol 3 g max per day",
    "Tylenol 3 tabs daily",
    "Tylenol 325 mg 2 tabs",
    "Fioricet 1 cap q4h",
    "Fiorinal",
    "butalbital/APAP/caffeine 50-325-40 mg 1 tab q4h prn",
    # common chart medicines
    "levothyroxine 50 mcg daily",
    "sertraline 50 mg",
    "metformin 1,000 mg bid",
    "lisinopril 10 mg",
    "omeprazole 20 mg",
    "ondansetron 4 mg ODT",
    "diphenhydramine 25 mg",
    "lidocaine 5% patch",
    "nicotine 21 mg/24 hr patch",
    "scopolamine 72 HR patch",
    "hydrocortisone 10 mg",
    "hydroxyzine 25 mg",
    "melatonin 3 mg",
    "vitamin D3 1,000 units",
    "cocaine (remote history)",
    "ketamine infusion",
]


@pytest.mark.parametrize("line", NEVER_AN_OPIOID)
def test_non_opioids_and_traps_are_known_medicines(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.MEDICINE, reading.why
    assert not reading.names_opioid and reading.category is None
    assert not reading.peripheral_opioid
    assert reading.naloxone is (line in NALOXONE_PRODUCTS)


def test_dextromethorphan_cough_products_are_not_read_as_opioids() -> None:
    reading = read("Robitussin DM\nDelsym 12 hour\nDM 10 mL\nCheratussin DM\nMucinex DM")
    assert len(reading.lines) == 5
    assert not any(r.names_opioid for r in reading.lines)
    assert reading.of_kind(LineKind.OPIOID) == ()


# --- one reading per line -------------------------------------------------------------------


def test_one_reading_per_non_blank_line_with_line_numbers_as_pasted() -> None:
    text = (
        "Current medications:\r\n"
        "1. gabapentin 300 mg tid\r\n"
        "\r\n"
        "2. Percocet 5/325, 1 tab q6h prn; Tylenol #3 qhs\r\n"
        "3. metformin 1,000 mg bid, sertraline 50 mg\n"
        "4. Suboxone 8-2 mg film, naloxone 4 mg nasal spray (kit)\r"
        "   \t \n"
        "- fentanyl 25 mcg/hr patch\n"
        "\n"
    )
    got = [(r.line_no, r.text, r.kind, r.ingredients, r.category) for r in read(text).lines]
    assert got == [
        (1, "Current medications:", LineKind.NOT_A_MEDICINE, (), None),
        (2, "gabapentin 300 mg tid", LineKind.MEDICINE, (), None),
        (4, "Percocet 5/325, 1 tab q6h prn; Tylenol #3 qhs", LineKind.OPIOID, OXY_COD, SA),
        (5, "metformin 1,000 mg bid, sertraline 50 mg", LineKind.MEDICINE, (), None),
        (6, "Suboxone 8-2 mg film, naloxone 4 mg nasal spray (kit)", LineKind.OPIOID, BUPE, BUP),
        (8, "fentanyl 25 mcg/hr patch", LineKind.OPIOID, ("fentanyl",), LA),
    ]


OXY_COD = ("oxycodone", "codeine")
BUPE = ("buprenorphine",)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "oxycodone 5 mg", "gabapentin", "Allergies:", "x"])))
def test_exactly_one_reading_per_non_blank_line(parts: list[str]) -> None:
    reading = read("\n".join(parts))
    assert [r.line_no for r in reading.lines] == [
        n for n, part in enumerate(parts, start=1) if part.strip()
    ]


@pytest.mark.parametrize(
    ("line", "kind", "ingredients"),
    [
        # Items are not split at commas or semicolons: the line gets one reading, the most
        # safety-relevant one, with every opioid ingredient it names.
        ("oxycodone 5 mg; tramadol 50 mg", LineKind.OPIOID, ("oxycodone", "tramadol")),
        ("morphine 15 mg,tramadol 50 mg", LineKind.OPIOID, ("morphine", "tramadol")),
        (
            "tramadol 50 mg and oxycodone 5 mg alternating",
            LineKind.OPIOID,
            ("tramadol", "oxycodone"),
        ),
        ("naltrexone 50 mg with methadone 10 mg", LineKind.OPIOID, ("methadone",)),
        ("loperamide 2 mg, oxycodone 5 mg", LineKind.OPIOID, ("oxycodone",)),
        ("gabapentin 300 mg, kratom", LineKind.OPIOID_LIKE, ("kratom",)),
        ("gabapentin 300 mg, naltrexone 4.5 mg", LineKind.NALTREXONE, ("naltrexone",)),
        ("sertraline 50 mg; Imodium 2 mg prn", LineKind.MEDICINE, ("loperamide",)),
        ("lisinopril 20 mg daily; atorvastatin 40 mg qhs", LineKind.MEDICINE, ()),
    ],
)
def test_a_line_naming_several_medicines_gets_its_most_safety_relevant_reading(
    line: str, kind: LineKind, ingredients: tuple[str, ...]
) -> None:
    reading = only(line)
    assert reading.kind is kind
    assert reading.ingredients == ingredients


def test_a_line_with_loperamide_and_an_opioid_keeps_both_facts() -> None:
    reading = only("loperamide 2 mg, oxycodone 5 mg")
    assert reading.kind is LineKind.OPIOID and reading.peripheral_opioid


def test_brand_and_generic_written_together_give_one_reading() -> None:
    reading = only("Suboxone (buprenorphine/naloxone) 8/2 mg SL film")
    assert reading.ingredients == ("buprenorphine",)
    assert reading.names == ("Suboxone", "buprenorphine")
    assert reading.certainty is EXACT  # the generic name is the stronger evidence
    assert reading.maintenance
    rxnorm = only("12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet [OxyContin]")
    assert rxnorm.names == ("oxycodone", "OxyContin")
    assert rxnorm.category is LA


def test_names_are_reported_as_written() -> None:
    assert only("take oxyCODONE 5 mg").names == ("oxyCODONE",)
    assert only("MS-Contin 15").names == ("MS-Contin",)
    assert only("Tylenol   No. 4").names == ("Tylenol   No. 4",)
    assert only("Percocets prn").names == ("Percocets",)


def test_word_boundaries_keep_names_inside_other_words_out() -> None:
    assert only("dihydrocodeine 30 mg").ingredients == ("dihydrocodeine",)
    assert only("benzhydrocodone/APAP").ingredients == ("benzhydrocodone",)
    reading = read("methylnaltrexone\nNorcodeine assay\nopiumpoppyseed tea")
    assert not any(r.names_opioid for r in reading.lines)


def test_lines_that_list_nothing_are_not_medicines() -> None:
    reading = read("None\nNKDA\nno known drug allergies\nNo current medications")
    assert {r.kind for r in reading.lines} == {LineKind.NOT_A_MEDICINE}
    assert reading.medicine_lines == ()


def test_an_unrecognised_line_blocks_only_when_it_looks_like_a_medicine() -> None:
    lines = read("Zyxoprine 10 mg bid\nZyxoprine\nPatient brought the bottles to the visit").lines
    assert [r.kind for r in lines] == [LineKind.UNRECOGNISED] * 3
    assert [r.looks_like_medicine for r in lines] == [True, True, False]
    assert [r.blocks_eligibility for r in lines] == [True, True, False]


def test_display_order_puts_opioid_lines_first_then_what_needs_the_clinician() -> None:
    reading = read(
        "Medications:\ngabapentin 300 mg\nZyxoprine 5 mg\nLDN 1.5 mg\nAllergies: codeine\n"
        "oxycodone 5 mg q6h prn\nkratom daily\nPercocet - stopped 2019"
    )
    assert [r.line_no for r in reading.sorted_for_display()] == [6, 7, 4, 3, 8, 5, 2]
    assert [r.line_no for r in reading.unrecognised] == [3]
    assert len(reading.medicine_lines) == 7


# --- typos ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "ingredient", "category"),
    [
        ("oxycodon 5 mg q4h", "oxycodone", SA),
        ("tramdol 50 mg", "tramadol", SA),
        ("hydrocodne/apap 5/325", "hydrocodone", SA),
        ("morhpine 15 mg", "morphine", SA),  # transposition
        ("oxycotin 20 mg", "oxycodone", LA),  # OxyContin with a letter missing
        ("methadon 40 mg", "methadone", METH),
        ("buprenorphin 8 mg SL", "buprenorphine", BUP),
        ("fentanil patch 25 mcg/hr", "fentanyl", LA),
        # one edit is read for names of five letters or more ...
        ("Norcco 10-325", "hydrocodone", SA),
        ("Lortabb", "hydrocodone", SA),
        ("opiun", "opium", SA),
        ("Ultrum 50 mg", "tramadol", LA),
        # ... and two edits for names of eight letters or more
        ("oxycdne 5 mg", "oxycodone", SA),
        ("tramadolol", "tramadol", SA),
        ("buprenorfine 8 mg SL", "buprenorphine", BUP),
    ],
)
def test_a_typo_within_reach_is_a_possible_opioid(
    line: str, ingredient: str, category: OpioidCategory
) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.certainty is POSSIBLE
    assert reading.ingredients == (ingredient,)
    assert reading.category is category
    assert "possible misspelling" in reading.why


@pytest.mark.parametrize("line", ["oxycodone 5 mg", "tramadol 50 mg", "hydrocodone 5 mg"])
def test_the_correct_spelling_is_exact(line: str) -> None:
    assert only(line).certainty is EXACT


@pytest.mark.parametrize(
    "line",
    [
        "oxyy 5 mg",  # four letters: too short to guess
        "Norc 5 mg",
        "Ultrumm 50 mg",  # two edits from a six-letter name
        "kodeene 30 mg",  # two edits from a seven-letter name
        "oxikodn 5 mg",  # four edits
        "codine 30 mg",  # one edit from codeine, and as close to iodine
        "codaine 30 mg",  # one edit from codeine, and as close to cocaine
        "hydromorfone 2 mg",  # two edits from hydromorphone, and from hydrocortone
    ],
)
def test_typos_out_of_reach_or_ambiguous_are_unread_and_fail_closed(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.UNRECOGNISED
    assert not reading.names_opioid
    assert reading.blocks_eligibility


def test_the_ambiguous_typos_are_really_equally_close() -> None:
    assert edit_distance("codine", "codeine") == edit_distance("codine", "iodine") == 1
    assert edit_distance("codaine", "codeine") == edit_distance("codaine", "cocaine") == 1
    hydromorfone = "hydromorfone"
    assert edit_distance(hydromorfone, "hydromorphone") == 2
    assert edit_distance(hydromorfone, "hydrocortone") == 2


@pytest.mark.parametrize(
    "line",
    ["naloxone", "naltrexone", "naloxon", "nalaxone", "naltrexon", "methylnaltrexon", "codaine"],
)
def test_antagonist_names_and_their_typos_never_become_an_opioid(line: str) -> None:
    assert not only(line).names_opioid


def _chart_words() -> list[str]:
    return tomllib.loads(CHART_WORDS.read_text(encoding="utf-8"))["words"]


def test_chart_words_are_never_read_as_misspelt_names() -> None:
    vocab = vocabulary()
    words = [
        w.lower() for w in _chart_words() if w.isalpha() and w.lower() not in vocab.by_first_token
    ]
    assert len(words) > 50
    assert [w for w in words if vocab.find([w])] == []
    # The exclusion is what keeps them out: "ultra" is one letter from Ultram.
    assert edit_distance("ultra", "ultram") == 1
    assert only("Ultra 1 tab daily").kind is LineKind.UNRECOGNISED


def _deletion_keys(word: str, depth: int) -> set[str]:
    keys = frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        keys = keys | frontier
    return keys


def _letter_set(word: str) -> frozenset[str]:
    return frozenset(word)


def _one_edit_variants(word: str) -> Iterator[str]:
    letters = string.ascii_lowercase
    for i in range(len(word) + 1):
        for c in letters:
            yield word[:i] + c + word[i:]
        if i < len(word):
            yield word[:i] + word[i + 1 :]
            for c in letters:
                yield word[:i] + c + word[i + 1 :]
        if i < len(word) - 1:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _typo_reach(name: str) -> int:
    """The issue's policy: one edit for names of 5+ letters, two for names of 8+."""
    return 2 if len(name) >= 8 else 1 if len(name) >= 5 else 0


@functools.cache
def _single_word_names(kind: MatchKind) -> tuple[str, ...]:
    vocab = vocabulary()
    if kind is MatchKind.MEDICINE:  # one-word medicines are kept as a set of words
        return tuple(sorted(w for w in vocab.medicine_words if _typo_reach(w)))
    return tuple(
        sorted(
            w
            for w, name in vocab.single_words.items()
            if name.entry.kind is kind and _typo_reach(w) and name.certainty is not POSSIBLE
        )
    )


def _is_known_word(word: str) -> bool:
    """An exact name, the plural of a one-word name, or an opioid name cut short after five
    letters or more ("fentany", "oxycod"): read as that name, not as a misspelling."""
    known = vocabulary().by_first_token
    if word in known or (len(word) > 3 and word.endswith("s") and word[:-1] in known):
        return True
    return word in _cut_short_opioid_names()


@functools.cache
def _cut_short_opioid_names() -> frozenset[str]:
    names = _single_word_names(MatchKind.OPIOID)
    return frozenset(o[:k] for o in names for k in range(5, len(o)))


@pytest.mark.slow  # exhaustive (about 2,200 variants through the reader): CI runs it
def test_no_one_edit_variant_of_a_non_opioid_name_reads_as_an_opioid() -> None:
    """A one-edit variant of a known non-opioid name (5+ letters) is one edit from it, so no
    opioid name is closer: whatever opioid it is within reach of, it is too ambiguous to call.

    Checked exhaustively for every variant within reach of an opioid name. A variant can only
    be within reach of an opioid name if the non-opioid name and the opioid name are left with
    a common string after at most 1 + reach deletions each, which finds the pairs to check.
    """
    opioids = _single_word_names(MatchKind.OPIOID)
    medicines = _single_word_names(MatchKind.MEDICINE)
    keys: dict[int, dict[str, set[str]]] = {1: {}, 2: {}}
    for opioid in opioids:
        reach = _typo_reach(opioid)
        for key in _deletion_keys(opioid, reach + 1):
            keys[reach].setdefault(key, set()).add(opioid)
    checked: set[str] = set()
    false: list[tuple[str, str, str]] = []
    vocab = vocabulary()
    for medicine in medicines:
        near = {o for key in _deletion_keys(medicine, 3) for o in keys[2].get(key, ())}
        near |= {o for key in _deletion_keys(medicine, 2) for o in keys[1].get(key, ())}
        if not near:
            continue
        near_masks = [(o, _typo_reach(o), _letter_set(o)) for o in near]
        for variant in set(_one_edit_variants(medicine)) - checked:
            if _is_known_word(variant):
                continue
            letters = _letter_set(variant)
            # Each edit adds or removes at most two letters from a word's set of letters, so a
            # name whose letters differ by more than twice its reach is out of reach.
            if not any(
                len(letters ^ o_letters) <= 2 * reach and edit_distance(variant, o, reach) <= reach
                for o, reach, o_letters in near_masks
            ):
                continue
            checked.add(variant)
            hits = vocab.find([variant])
            if any(h.entry.kind is MatchKind.OPIOID for h in hits):
                false.append((medicine, variant, " ".join(hits[0].name.tokens)))
    print(f"\ntypo check: {len(checked)} variants of non-opioid names within reach of an opioid")
    assert len(checked) > 500  # the check is not vacuous
    assert false == []


def test_one_edit_variants_of_opioid_names_read_as_possible_unless_ambiguous() -> None:
    """A sample of one-edit variants (5+ letters) of opioid names: each reads as a possible
    opioid, or (when a non-opioid name is as close) as no opioid at all."""
    vocab = vocabulary()
    medicines = set(_single_word_names(MatchKind.MEDICINE))
    rng = random.Random(20261201)
    opioids = _single_word_names(MatchKind.OPIOID)
    chart = {w.lower() for w in _chart_words()}
    # Two words one edit apart are left equal by deleting at most one letter from each, so
    # only medicines sharing such a deletion key with a variant need the exact comparison.
    by_key: dict[str, set[str]] = {}
    for medicine in medicines:
        for key in _deletion_keys(medicine, 1):
            by_key.setdefault(key, set()).add(medicine)
    possible = ambiguous = 0
    for opioid in rng.sample(list(opioids), 60):
        for variant in rng.sample(sorted(set(_one_edit_variants(opioid))), 8):
            if len(variant) < 5 or _is_known_word(variant) or variant in chart:
                continue  # the policy reads words of five letters or more
            hits = vocab.find([variant])
            candidates = {m for key in _deletion_keys(variant, 1) for m in by_key.get(key, ())}
            near_medicine = any(edit_distance(variant, m, 1) <= 1 for m in candidates)
            if near_medicine:
                ambiguous += 1
                assert not any(h.entry.kind is MatchKind.OPIOID for h in hits), variant
            else:
                possible += 1
                assert len(hits) == 1 and hits[0].certainty is POSSIBLE, variant
                assert hits[0].entry.kind is not MatchKind.MEDICINE, variant
    assert possible > 300


# --- context: headings, prefixes, reactions -----------------------------------------------


def test_an_allergy_heading_carries_to_the_following_lines_until_a_blank_line() -> None:
    lines = read("Allergies:\ncodeine\nmorphine - itching\nPCN\n\ntramadol 50 mg").lines
    kinds = [(r.line_no, r.kind) for r in lines]
    assert kinds == [
        (1, LineKind.NOT_A_MEDICINE),
        (2, LineKind.ALLERGY),
        (3, LineKind.ALLERGY),
        (4, LineKind.ALLERGY),
        (6, LineKind.OPIOID),
    ]
    assert lines[1].ingredients == ("codeine",) and lines[1].names_opioid
    assert not lines[1].is_current_opioid


def test_a_medications_heading_ends_the_allergy_section() -> None:
    kinds = [r.kind for r in read("Allergies:\ncodeine\nMedications:\ncodeine 30 mg").lines]
    assert kinds == [
        LineKind.NOT_A_MEDICINE,
        LineKind.ALLERGY,
        LineKind.NOT_A_MEDICINE,
        LineKind.OPIOID,
    ]


def test_a_discontinued_heading_marks_the_lines_under_it_as_stopped() -> None:
    lines = read("Discontinued medications:\nPercocet 5/325\ngabapentin 300 mg\n\nNorco 5 mg").lines
    assert [r.kind for r in lines] == [
        LineKind.NOT_A_MEDICINE,
        LineKind.STOPPED,
        LineKind.STOPPED,
        LineKind.OPIOID,
    ]
    assert lines[1].names_opioid and lines[1].stopped_by is None
    assert not lines[2].names_opioid


@pytest.mark.parametrize(
    "line",
    [
        "Allergies: codeine (rash)",
        "Allergy - morphine",
        "ALLERGIC TO MORPHINE - itching",
        "ADR: tramadol",
        "intolerant to tramadol",
        "codeine intolerance",
        "PCN, codeine",
        "sulfa, morphine",
        # a reaction set off from the drug by a dash or a parenthesis
        "morphine - itching",
        "codeine (rash)",
        "Codeine - Hives",
        "MORPHINE (N/V)",
        "hydrocodone: hallucinations",
    ],
)
def test_allergy_wording_makes_an_allergy_entry_not_use(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.ALLERGY
    assert reading.names_opioid and not reading.is_current_opioid


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Allergies: naltrexone (hives)", LineKind.ALLERGY),
        ("ADR: naloxone - rash", LineKind.ALLERGY),
        ("Allergy: gabapentin", LineKind.ALLERGY),
        ("Allergies: shellfish", LineKind.ALLERGY),
    ],
)
def test_non_opioid_allergy_entries(line: str, kind: LineKind) -> None:
    reading = only(line)
    assert reading.kind is kind
    assert not reading.names_opioid


@pytest.mark.parametrize(
    "line",
    [
        "naloxone nasal spray",
        "naloxone kit",
        "Naloxone HCl injection",
        "RiVive 3 mg nasal spray",
        "Narcan 4 mg nasal spray",
    ],
)
def test_a_naloxone_product_line_is_named_as_naloxone(line: str) -> None:
    # A rescue kit usually means the patient is prescribed an opioid: the summary asks to check.
    reading = only(line)
    assert reading.kind is LineKind.MEDICINE
    assert reading.naloxone and reading.opioid_indicator
    assert not reading.names_opioid


def test_a_naloxone_allergy_line_says_naloxone() -> None:
    reading = only("ADR: naloxone - rash")
    assert reading.naloxone and reading.ingredients == ("naloxone",)


@pytest.mark.parametrize(
    "line",
    [
        "allergic to codeine but takes codeine 30 mg q6h prn",
        "intolerance: tramadol 50 mg q6h prn",
        "Allergies: morphine 15 mg q4h",
    ],
)
def test_an_allergy_line_with_a_dose_and_a_schedule_reads_as_current_use(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert "allergy wording" in reading.why


@pytest.mark.parametrize("line", ["Allergy: codeine 30 mg", "allergic to codeine q6h"])
def test_with_allergy_wording_a_dose_or_a_schedule_alone_stays_an_allergy(line: str) -> None:
    assert only(line).kind is LineKind.ALLERGY


@pytest.mark.parametrize(
    "line", ["morphine 15 mg q4h prn - itching", "codeine q6h - rash", "codeine 30 mg (rash)"]
)
def test_a_reaction_word_alone_does_not_outweigh_a_dose_or_a_schedule(line: str) -> None:
    # Without allergy wording the reaction word is the only clue: any sign of use wins.
    assert only(line).kind is LineKind.OPIOID


# --- negation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Robitussin (no codeine)",
        "codeine-free cough syrup",
        "cough syrup w/o codeine",
        "cough mixture without codeine",
        "non-codeine cough syrup",
        "no codeine",
        "not oxycodone",
    ],
)
def test_a_negated_opioid_name_is_not_an_opioid(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.MEDICINE
    assert not reading.names_opioid


@pytest.mark.parametrize(
    ("line", "ingredients"),
    [
        # Only the word right before a name negates it.
        ("No change: oxycodone 5 mg", ("oxycodone",)),
        ("no changes to oxycodone 5 mg q6h", ("oxycodone",)),
        ("Robitussin (no codeine), oxycodone 5 mg", ("oxycodone",)),
        ("codeine-free syrup; tramadol 50 mg", ("tramadol",)),
    ],
)
def test_negation_reaches_only_the_name_right_after_it(
    line: str, ingredients: tuple[str, ...]
) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.ingredients == ingredients


# --- stopped entries and their dates ------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "oxycodone 5 mg - stopped",
        "oxycodone discontinued",
        "inactive: Norco 5/325",
        "hx of oxycodone use",
        "Hx of Percocet after knee surgery",
        "methadone - completed taper",
        "Norco d/c'd",
        "no longer taking tramadol",
        "weaned off morphine",
        "was on oxycodone",
    ],
)
def test_stopped_wording_makes_a_stopped_entry(line: str) -> None:
    reading = only(line)
    assert reading.kind is LineKind.STOPPED
    assert reading.names_opioid and not reading.is_current_opioid
    assert reading.stopped_by is None  # no date: the engine asks the clinician


@pytest.mark.parametrize(
    ("line", "stopped_by"),
    [
        ("oxycodone (discontinued 2024)", dt.date(2024, 12, 31)),
        ("Hx of Percocet after knee surgery 2019", dt.date(2019, 12, 31)),
        ("MS Contin 30 mg - stopped 2026-11-20", dt.date(2026, 11, 20)),
        ("oxycodone stopped March 2025", dt.date(2025, 3, 31)),
        ("Norco d/c'd last week", TODAY),
        ("kratom - stopped 2020", dt.date(2020, 12, 31)),
    ],
)
def test_a_stopped_entry_carries_its_latest_possible_date(line: str, stopped_by: dt.date) -> None:
    reading = only(line)
    assert reading.kind is LineKind.STOPPED
    assert reading.stopped_by == stopped_by


@pytest.mark.parametrize(
    ("text", "latest"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        # day/month/year or month/day/year: both readings are possible, the later is kept
        ("3/4/2024", dt.date(2024, 4, 3)),
        ("4/3/2024", dt.date(2024, 4, 3)),
        ("13/4/2024", dt.date(2024, 4, 13)),
        ("3.4.24", dt.date(2024, 4, 3)),
        ("5 March 2024", dt.date(2024, 3, 5)),
        ("March 5, 2024", dt.date(2024, 3, 5)),
        # a month means its last day, a year means 31 December
        ("March 2025", dt.date(2025, 3, 31)),
        ("Feb 2024", dt.date(2024, 2, 29)),
        ("03/2024", dt.date(2024, 3, 31)),
        ("2019", dt.date(2019, 12, 31)),
        ("2012-2014", dt.date(2014, 12, 31)),
        ("started 2019, stopped 2021-06-01", dt.date(2021, 6, 1)),
        # "N months ago" counts N - 1 months of 28 days; days and weeks ago mean today
        ("3 months ago", TODAY - dt.timedelta(days=2 * 28)),
        ("three months ago", TODAY - dt.timedelta(days=2 * 28)),
        ("a month ago", TODAY),
        ("2 years ago", TODAY - dt.timedelta(days=365)),
        ("2 weeks ago", TODAY),
        ("10 days ago", TODAY),
        ("recently", TODAY),
        ("last week", TODAY),
        # a future date is kept as written: it is inside any interval
        ("stop planned 2027-05-01", dt.date(2027, 5, 1)),
        ("no date here", None),
        ("oxycodone 5 mg q6h", None),
    ],
)
def test_latest_date_in(text: str, latest: dt.date | None) -> None:
    assert latest_date_in(text, TODAY) == latest


def test_a_future_stop_date_is_never_history() -> None:
    reading = only("oxycodone - discontinued 2027-01-15")
    assert reading.kind is LineKind.STOPPED and reading.stopped_by == dt.date(2027, 1, 15)
    result = screen(
        clean_patient(medication_list="oxycodone - discontinued 2027-01-15"), DEFAULT_SETTINGS
    )
    assert result.verdict is not Verdict.ELIGIBLE
    assert "opioid_stopped_history" not in result.codes


@pytest.mark.parametrize(
    ("line", "ingredients", "category"),
    [
        ("previously morphine, now oxycodone 10 mg q6h", ("morphine", "oxycodone"), SA),
        (
            "was on methadone, currently Suboxone 8/2 mg SL daily",
            ("methadone", "buprenorphine"),
            METH,
        ),
        ("stopped tramadol; still taking Norco 5/325 q6h prn", ("tramadol", "hydrocodone"), SA),
    ],
)
def test_present_tense_wording_outweighs_history(
    line: str, ingredients: tuple[str, ...], category: OpioidCategory
) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.ingredients == ingredients
    assert reading.category is category


def test_a_stopped_non_opioid_is_a_stopped_entry_without_an_opioid() -> None:
    reading = only("gabapentin stopped 2020")
    assert reading.kind is LineKind.STOPPED and not reading.names_opioid


# --- long-acting, read from the whole line -------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("oxy ER 20 bid", LA),
        ("oxycodone XR 10 mg", LA),
        ("morphine SR 30 mg", LA),
        ("morphine CR 30 mg", LA),
        ("morphine LA 30 mg", LA),
        ("morphine XL 30", LA),
        ("morphine MR 30 mg", LA),
        ("morphine PR 30", LA),
        ("hydromorphone 12 hr 8 mg", LA),
        ("hydromorphone 24-hour 8 mg", LA),
        ("Hydromorph Contin 3 mg", LA),
        ("MST Continus 10 mg", LA),
        ("fentanyl patch 25", LA),
        ("fentanyl TD 25 q3d", LA),
        ("fentanyl 25 mcg/h", LA),
        ("fentanyl 25 q72h", LA),
        ("fentanyl 25 every 3 days", LA),
        ("buprenorphine 20 mcg/h", BUP),
        ("buprenorphine weekly", BUP),
        # a regular once- or twice-daily opioid, without "prn" or "IR", is extended-release
        ("morphine 30 mg q12h", LA),
        ("oxycodone 20 mg q12h", LA),
        ("hydromorphone 4 mg bid", LA),
        ("tapentadol 100 mg twice daily", LA),
        ("tramadol 100 mg BD", LA),
        ("oxycodone 10 mg once daily", LA),
        ("oxycodone 20 mg bid prn", SA),
        ("oxycodone IR 5 mg bid", SA),
        ("morphine immediate release 10 mg q12h", SA),
        ("oxycodone 5 mg q6h", SA),
        # the extended-release check runs before the cough-product check
        ("codeine ER syrup", LA),
        ("hydrocodone ER cough suspension", LA),
        ("codeine syrup", AT),
        # an antidiarrhoeal taken twice a day is still an antidiarrhoeal
        ("Lomotil bid", AD),
    ],
)
def test_long_acting_is_read_from_the_whole_line(line: str, category: OpioidCategory) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.category is category, reading.why


def test_the_why_says_when_a_schedule_made_a_line_extended_release() -> None:
    assert "extended-release" in only("oxycodone 20 mg q12h").why
    assert "transdermal" in only("fentanyl 25 q72h").why


# --- buprenorphine, methadone and depots ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category", "maintenance"),
    [
        ("buprenorphine 8 mg SL daily", BUP, True),
        ("buprenorphine 8 mg", BUP, True),  # 2 mg or more is a maintenance dose
        ("buprenorphine film", BUP, True),
        ("buprenorphine/naloxone", BUP, True),
        ("buprenorphine for OUD", BUP, True),
        ("buprenorphine (opioid use disorder)", BUP, True),
        ("bup/nx 8/2 daily", BUP, True),
        ("Subutex 8 mg", BUP, True),
        ("buprenorphine 0.3 mg IM", BUP, False),
        ("buprenorphine 1 mg", BUP, False),
        ("buprenorphine patch 10 mcg/hr", BUP, False),
        ("Butrans 5 mcg/hr weekly", BUP, False),
        ("Belbuca 150 mcg buccal", BUP, False),
        ("Belbuca 150 mcg buccal film BID", BUP, False),
        ("buprenorphine 0.15 MG Buccal Film [Belbuca]", BUP, False),
        ("buprenorphine 300 mcg buccal film q12h", BUP, False),
        ("buprenorphine 2.1 MG / naloxone 0.3 MG Buccal Film [Bunavail]", BUP, True),
        ("Bunavail buccal film", BUP, True),
        ("buprenorphine 8 mg buccal film daily", BUP, True),
        ("buprenorphine sublingual film", BUP, True),
        ("Sublocade 300 mg SC monthly", DEPOT, True),
        ("Brixadi", DEPOT, True),
        ("Probuphine", DEPOT, True),
        ("buprenorphine implant", DEPOT, True),
        ("buprenorphine ER injection monthly", DEPOT, True),
        ("buprenorphine 300 mg monthly injection", DEPOT, True),
        ("methadone 80 mg daily", METH, True),
        ("methadone 5 mg q8h for pain", METH, True),
        ("MTD 80 mg daily", METH, True),
    ],
)
def test_buprenorphine_and_methadone_maintenance(
    line: str, category: OpioidCategory, maintenance: bool
) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.category is category
    assert reading.maintenance is maintenance


# --- class words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("on opioids for back pain", UNKNOWN),
        ("opioids", UNKNOWN),
        ("narcotic pain pills", UNKNOWN),
        ("opiates daily", LA),  # a regular daily opioid reads as extended-release
    ],
)
def test_a_class_word_is_an_opioid_of_unknown_product(line: str, category: OpioidCategory) -> None:
    reading = only(line)
    assert reading.kind is LineKind.OPIOID
    assert reading.category is category


@pytest.mark.parametrize("line", ["opioid antagonist", "opioid antagonist for constipation"])
def test_opioid_antagonist_is_not_an_opioid(line: str) -> None:
    assert not only(line).names_opioid


# --- confirmed lines ----------------------------------------------------------------------


def test_line_key_ignores_bullets_case_and_spacing() -> None:
    assert line_key("  - Zyxoprine   10 MG bid ") == "zyxoprine 10 mg bid"
    assert line_key("3. Zyxoprine 10 mg BID") == line_key("zyxoprine 10 mg bid")


def test_a_confirmed_unrecognised_line_becomes_a_confirmed_medicine() -> None:
    text = "1. Zyxoprine 10 mg bid\nQuarvolin 5 mg daily"
    reading = read(text, confirmed_not_opioids=[line_key("Zyxoprine  10 MG BID")])
    first, second = reading.lines
    assert first.kind is LineKind.MEDICINE and first.confirmed
    assert not first.blocks_eligibility
    assert second.kind is LineKind.UNRECOGNISED and not second.confirmed
    assert second.blocks_eligibility


@pytest.mark.parametrize(
    "line", ["oxycodone 5 mg q6h", "oxycodon 5 mg", "gabapentin 300 mg", "Allergies: codeine"]
)
def test_only_unrecognised_lines_can_be_confirmed(line: str) -> None:
    before = only(line)
    after = read(line, confirmed_not_opioids=[line_key(line)]).lines[0]
    assert after == before
    assert not after.confirmed


# --- robustness -----------------------------------------------------------------------------


def test_empty_and_blank_text_give_no_reading() -> None:
    assert read("").lines == ()
    assert read(" \n\t\r\n \r").lines == ()


def test_a_megabyte_of_noise_does_not_crash() -> None:
    rng = random.Random(20251127)
    pool = (
        [chr(c) for c in range(0, 32)]
        + list(string.printable)
        + ["\u00df", "\u0130", "\u2028", "\u200b", "\ufeff", "\U0001f48a", "\ud800", "\udfff"]
        + [chr(rng.randrange(0x80, 0x3000)) for _ in range(300)]
        + [" oxycodone ", " Tylenol #3 ", ",", ";", "1,000", " oxycodon ", "\n", " 2019 "]
    )
    noise = "".join(rng.choice(pool) for _ in range(1_000_000))
    reading = read(noise)
    assert reading.lines
    assert all(r.line_no >= 1 for r in reading.lines)
    long_word = "x" * 1_000_000 + " oxycodone"
    assert [r.ingredients for r in read(long_word).lines] == [("oxycodone",)]
    # A long word of random letters, as long as the form allows (its typo reading would grow
    # with the cube of its length), next to a name.
    random_word = "".join(rng.choice(string.ascii_lowercase) for _ in range(20_000))
    assert [r.ingredients for r in read(f"{random_word} oxycodone").lines] == [("oxycodone",)]
    # Every distinct word of the noise passed through the typo reader; its cache stays bounded.
    vocab = vocabulary()
    assert 0 < len(vocab.typo_cache) <= 20_000


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_well_formed_readings(text: str) -> None:
    lines = re.split(r"\r\n|\r|\n", text)
    reading = read(text)
    assert [r.line_no for r in reading.lines] == sorted({r.line_no for r in reading.lines})
    for r in reading.lines:
        assert 1 <= r.line_no <= len(lines)
        assert r.text and r.text in lines[r.line_no - 1]
        assert r.kind in LineKind
        if r.source_key:
            assert r.source_key in SOURCES
        if r.kind is LineKind.OPIOID:
            assert r.category is not None and r.ingredients and r.certainty is not None
        if r.kind in {LineKind.UNRECOGNISED, LineKind.NOT_A_MEDICINE}:
            assert not r.names and not r.ingredients and r.category is None


def test_readings_are_frozen() -> None:
    reading = read("tramadol 50 mg")
    with pytest.raises(AttributeError):  # a named tuple: immutable
        reading.lines[0].line_no = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.lines = ()  # type: ignore[misc]


def test_edit_distance_counts_swaps_as_one_and_caps_at_the_limit() -> None:
    assert edit_distance("morphine", "morhpine") == 1
    assert edit_distance("oxycodone", "oxycodone") == 0
    assert edit_distance("oxycodone", "oxcdne", limit=2) == 3
    assert edit_distance("a", "abcdef", limit=2) == 3


def _full_osa_distance(a: str, b: str) -> int:
    """The textbook optimal string alignment distance, every cell computed: the reference for
    the reader's banded, capped one."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet="abcdo", max_size=9),
    st.text(alphabet="abcdo", max_size=9),
    st.integers(min_value=0, max_value=4),
)
def test_edit_distance_is_the_full_distance_capped_at_the_limit(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == min(_full_osa_distance(a, b), limit + 1)


# --- the vocabulary data ------------------------------------------------------------------


def test_the_vocabulary_is_compiled_once() -> None:
    assert vocabulary() is vocabulary()


def _data() -> dict[str, Any]:
    curated: dict[str, Any] = {"entry": [], "not_opioid": {"names": []}}
    for path in (CURATED_OPIOIDS, CURATED_OPIOIDS_MORE):
        part = tomllib.loads(path.read_text(encoding="utf-8"))
        curated["entry"] += part.get("entry", [])
        curated["not_opioid"]["names"] += part.get("not_opioid", {}).get("names", [])
    return {
        "curated_opioids": curated,
        "rxnorm_opioids": json.loads(RXNORM_OPIOIDS.read_text(encoding="utf-8")),
        "curated_non_opioids": tomllib.loads(CURATED_NON_OPIOIDS.read_text(encoding="utf-8")),
        "rxnorm_non_opioids": json.loads(RXNORM_NON_OPIOIDS.read_text(encoding="utf-8")),
        "chart_words": _chart_words(),
    }


def _first_opioid(data: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in data["curated_opioids"]["entry"] if e["kind"] == "opioid")


def _first_other(data: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in data["curated_opioids"]["entry"] if e["kind"] != "opioid")


def test_the_unchanged_data_builds() -> None:
    built = build_vocabulary(**_data())
    assert built.by_first_token.keys() == vocabulary().by_first_token.keys()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _first_opioid(d).update(source="wikipedia"), "unknown source key"),
        (lambda d: _first_opioid(d).pop("category"), "needs a category"),
        (lambda d: _first_other(d).update(category="short_acting"), "needs a category"),
        (
            lambda d: d["curated_non_opioids"]["group"][0]["names"].append("tramadol"),
            "both as an opioid and as a non-opioid",
        ),
        (
            lambda d: d["rxnorm_non_opioids"]["names"].append("Percocet"),
            "both as an opioid and as a non-opioid",
        ),
        (
            lambda d: _first_opioid(d).update(ambiguous=["OXY-Q"]),
            "ambiguous names need an 'ambiguous_with' note",
        ),
        (lambda d: _first_opioid(d).update(generics=["--"], brands=[]), "has no word in it"),
        (lambda d: _first_opioid(d).update(kind="narcotic"), "narcotic"),
    ],
)
def test_inconsistent_vocabulary_data_is_refused(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(ValueError, match=message):
        build_vocabulary(**data)


# --- evaluation on the RxNorm-coded value sets --------------------------------------------


def _eval_rows() -> list[dict[str, str]]:
    with EVAL_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


_LONG_BRANDS = {b["name"].lower() for b in RXNORM["brands"] if b["category"] == "long_acting"}
_LONG_INGREDIENTS = {i["name"] for i in RXNORM["ingredients"] if i["category"] == "long_acting"}
_ER_WORDING = re.compile(r"\b(?:12|24) HR\b|Extended Release|\bER\b|\bCD\b")
_BRACKETED = re.compile(r"\[([^\]]+)\]\s*$")


def _expected_category(row: dict[str, str]) -> str:
    """The evaluation set's label, with the reader's deliberately safer policy applied.

    The set labels a row by the value set it comes from. The reader reads a brand that RxNorm
    also sells as an extended-release product as long-acting (one name, two products: the
    safer reading), levomethadyl as long-acting, and any extended-release wording ("12 HR",
    "ER", "CD") before the cough-product check, so extended-release cough products are
    long-acting. A long-acting label never becomes short.
    """
    expected = row["expect_category"]
    if expected not in {"short_acting", "antitussive"}:
        return expected
    brand = _BRACKETED.search(row["text"])
    if (
        (brand and brand[1].lower() in _LONG_BRANDS)
        or set(row["expect_ingredients"].split("|")) & _LONG_INGREDIENTS
        or _ER_WORDING.search(row["text"])
    ):
        return "long_acting"
    return expected


_EXPECTED_KIND = {"naltrexone": LineKind.NALTREXONE, "peripheral_opioid": LineKind.MEDICINE}


def test_recall_false_positives_and_categories_on_the_evaluation_set(
    record_property: pytest.RecordProperty,
) -> None:
    rows = _eval_rows()
    opioid_rows = [r for r in rows if r["expect_kind"] == "opioid"]
    other_rows = [r for r in rows if r["expect_kind"] != "opioid"]
    assert len(opioid_rows) >= 500 and len(other_rows) >= 200
    assert sum(1 for r in rows if r["rxcui"]) >= 1000

    found = category_ok = ingredients_ok = er_rows = er_ok = 0
    missed: list[str] = []
    wrong_category: list[tuple[str, str, str]] = []
    for row in opioid_rows:
        reading = only(row["text"])
        if reading.kind is not LineKind.OPIOID:
            missed.append(row["text"])
            continue
        found += 1
        expected = _expected_category(row)
        category_ok += reading.category == expected
        ingredients_ok += reading.ingredients[0] == row["expect_ingredients"].split("|")[0]
        if reading.category != expected:
            wrong_category.append((row["text"], str(reading.category), expected))
        if row["er_set"] == "y":
            er_rows += 1
            er_ok += reading.category == expected

    false_positives: list[str] = []
    kind_ok = 0
    for row in other_rows:
        reading = only(row["text"])
        if reading.names_opioid or reading.kind is LineKind.OPIOID:
            false_positives.append(row["text"])
        kind_ok += reading.kind is _EXPECTED_KIND.get(row["expect_kind"], LineKind.MEDICINE) and (
            reading.peripheral_opioid is (row["expect_kind"] == "peripheral_opioid")
        )

    recall = found / len(opioid_rows)
    fpr = len(false_positives) / len(other_rows)
    figures = {
        "opioid_rows": len(opioid_rows),
        "non_opioid_rows": len(other_rows),
        "recall": round(recall, 4),
        "false_positive_rate": round(fpr, 4),
        "category_accuracy": round(category_ok / max(found, 1), 4),
        "er_set_rows": er_rows,
        "er_set_category_accuracy": round(er_ok / max(er_rows, 1), 4),
        "first_ingredient_accuracy": round(ingredients_ok / max(found, 1), 4),
        "non_opioid_kind_accuracy": round(kind_ok / len(other_rows), 4),
    }
    for name, value in figures.items():
        record_property(name, value)
    print("\nmedication reader evaluation:", figures)
    print("missed:", missed[:10], "false positives:", false_positives[:10])
    print("wrong category:", wrong_category[:10])

    assert recall >= 0.995, missed
    assert fpr <= 0.005, false_positives
    assert er_rows >= 150 and figures["er_set_category_accuracy"] == 1.0, wrong_category
    assert figures["category_accuracy"] >= 0.995, wrong_category
    assert figures["first_ingredient_accuracy"] >= 0.995
    assert figures["non_opioid_kind_accuracy"] >= 0.995

"""The medication-list matcher: realistic chart lines, traps, typos, robustness, evaluation."""

from __future__ import annotations

import copy
import csv
import dataclasses
import random
import re
import string
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldn_screen.rules.medications import (
    DATA_FILE,
    Certainty,
    MatchKind,
    OpioidCategory,
    OpioidMatch,
    build_matcher,
    compiled_matcher,
    find_opioids,
)
from ldn_screen.rules.sources import SOURCES

SA = OpioidCategory.SHORT_ACTING
LA = OpioidCategory.LONG_ACTING
METH = OpioidCategory.METHADONE
BUP = OpioidCategory.BUPRENORPHINE
DEPOT = OpioidCategory.DEPOT_BUPRENORPHINE
AT = OpioidCategory.ANTITUSSIVE
AD = OpioidCategory.ANTIDIARRHOEAL
EXACT, BRAND, POSSIBLE = Certainty.EXACT, Certainty.BRAND, Certainty.POSSIBLE

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "medication_eval.csv"


def only(text: str) -> OpioidMatch:
    matches = find_opioids(text)
    assert len(matches) == 1, matches
    return matches[0]


# --- realistic chart lines ----------------------------------------------------------------

OPIOID_LINES = [
    # (line as pasted, ingredient, category, certainty)
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
    ("Nucynta 50 mg q6h prn", "tapentadol", SA, BRAND),
    ("Ultram 50 mg", "tramadol", SA, BRAND),
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
    ("heroin use (daily)", "heroin", SA, EXACT),
    ("diamorphine", "heroin", SA, EXACT),
    ("opium and belladonna suppository", "opium", SA, EXACT),
    # long-acting: generic upgraded by a form marker, or an extended-release brand
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
    # cough and cold products
    ("Tussionex 5 mL q12h prn cough", "hydrocodone", AT, BRAND),
    ("Hycodan 5 mg tab", "hydrocodone", AT, BRAND),
    ("Tussigon", "hydrocodone", AT, BRAND),
    ("hydrocodone/homatropine 5-1.5 mg/5 mL", "hydrocodone", AT, EXACT),
    ("hydrocodone polistirex-chlorpheniramine polistirex ER suspension", "hydrocodone", AT, EXACT),
    ("Tuzistra XR 5 mL q12h", "codeine", AT, BRAND),
    ("Tuxarin ER", "codeine", AT, BRAND),
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
def test_chart_line_is_recognised(
    line: str, ingredient: str, category: OpioidCategory, certainty: Certainty
) -> None:
    match = only(line)
    assert match.kind is MatchKind.OPIOID
    assert match.is_opioid
    assert match.ingredients == (ingredient,)
    assert match.category is category
    assert match.certainty is certainty
    assert match.line_no == 1
    assert match.text == line.strip()
    assert match.matched.lower() in line.lower()
    assert match.source_key in SOURCES


NON_OPIOID_KINDS = [
    # (line, kind, ingredient, source)
    ("kratom powder 2 g daily", MatchKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("mitragynine extract", MatchKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("7-hydroxymitragynine", MatchKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("7-OH tablets from the gas station", MatchKind.OPIOID_LIKE, "kratom", "kratom_case_reports"),
    ("Imodium A-D 2 mg prn", MatchKind.PERIPHERAL_OPIOID, "loperamide", "loperamide_peripheral"),
    (
        "loperamide 2 mg after each loose stool",
        MatchKind.PERIPHERAL_OPIOID,
        "loperamide",
        "loperamide_peripheral",
    ),
    ("naltrexone 50 mg daily", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("LDN 1.5 mg at night", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("low dose naltrexone 4.5 mg", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Revia 50 mg", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Vivitrol 380 mg IM every 4 weeks", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("Contrave 8/90 mg 2 tabs bid", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
    ("bupropion/naltrexone ER", MatchKind.NALTREXONE, "naltrexone", "label_indications"),
]


@pytest.mark.parametrize(("line", "kind", "ingredient", "source"), NON_OPIOID_KINDS)
def test_opioid_like_peripheral_and_naltrexone_items(
    line: str, kind: MatchKind, ingredient: str, source: str
) -> None:
    match = only(line)
    assert match.kind is kind
    assert not match.is_opioid
    assert match.category is None
    assert match.ingredients == (ingredient,)
    assert match.source_key == source


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("tramadol 50 mg", "label_opioid_free"),
        ("oxycodone 5 mg", "cdc_mme"),
        ("methadone 10 mg", "label_switching"),
        ("Suboxone 8/2", "label_switching"),
        ("Talwin NX", "label_ca_agonist_antagonists"),
        ("Tussionex", "fda_2018_cough"),
        ("codeine/guaifenesin syrup", "fda_2018_cough"),
        ("Lomotil", "diphenoxylate_label"),
        ("paregoric", "label_opioid_products"),
        ("Dsuvia", "cqf_valuesets"),
    ],
)
def test_each_match_cites_its_source(line: str, source: str) -> None:
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
    match = only(line)
    assert match.kind is MatchKind.OPIOID
    assert match.ingredients == (ingredient,)  # the antagonist is not reported as an ingredient


NEVER_A_MATCH = [
    # antagonists and peripherally acting antagonists
    "naloxone 4 mg nasal spray",
    "Narcan 4 mg",
    "Kloxxado 8 mg",
    "Zimhi 5 mg",
    "Evzio",
    "methylnaltrexone 150 mg",
    "Relistor 12 mg SC",
    "naloxegol 25 mg",
    "Movantik 25 mg daily",
    "alvimopan 12 mg",
    "Entereg",
    "naldemedine 0.2 mg",
    "Symproic 0.2 mg",
    "Lucemyra 0.18 mg",
    # cough products without an opioid
    "dextromethorphan 30 mg",
    "Delsym 10 mL q12h",
    "Robitussin DM 10 mL",
    "guaifenesin DM",
    "Mucinex DM",
    "promethazine 25 mg qhs",
    "guaifenesin 600 mg ER bid",
    "benzonatate 100 mg tid",
    "Tessalon perles",
    "chlorpheniramine 4 mg",
    # fibromyalgia medicines
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
    "ibuprofen 800 mg",
    "naproxen 500 mg bid",
    "meloxicam 15 mg",
    "celecoxib 200 mg",
    "Celebrex 200 mg",
    "diclofenac gel 1% qid",
    # acetaminophen that is not Tylenol #3
    "acetaminophen 500 mg",
    "APAP 650 mg q6h",
    "Tylenol 500 mg",
    "Tylenol Extra Strength",
    "Tylenol PM",
    "Tylenol 8 HR Arthritis 650 mg",
    "Tylenol 3 g max per day",
    "Tylenol 3 tabs daily",
    "Tylenol 325 mg 2 tabs",
    "Fioricet 1 cap q4h",
    "Fiorinal",
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


@pytest.mark.parametrize("line", NEVER_A_MATCH)
def test_non_opioids_and_traps_give_no_match(line: str) -> None:
    assert find_opioids(line) == []


def test_dextromethorphan_in_a_cough_product_is_not_read_as_an_opioid() -> None:
    assert find_opioids("Robitussin DM; Delsym; DM 10 mL; Cheratussin DM") == []


# --- items, lines and splitting -----------------------------------------------------------


def test_multi_line_paste_keeps_original_line_numbers() -> None:
    text = (
        "Current medications:\r\n"
        "1. gabapentin 300 mg tid\r\n"
        "\r\n"
        "2. Percocet 5/325, 1 tab q6h prn; Tylenol #3 qhs\r\n"
        "3. metformin 1,000 mg bid, sertraline 50 mg\n"
        "4. Suboxone 8-2 mg film, naloxone 4 mg nasal spray (kit)\r"
        "5. fentanyl 25 mcg/hr patch"
    )
    got = [(m.line_no, m.text, m.ingredients, m.category) for m in find_opioids(text)]
    assert got == [
        (4, "2. Percocet 5/325", ("oxycodone",), SA),
        (4, "Tylenol #3 qhs", ("codeine",), SA),
        (6, "4. Suboxone 8-2 mg film", ("buprenorphine",), BUP),
        (7, "5. fentanyl 25 mcg/hr patch", ("fentanyl",), LA),
    ]


@pytest.mark.parametrize(
    ("text", "texts"),
    [
        ("oxycodone 5 mg; tramadol 50 mg", ["oxycodone 5 mg", "tramadol 50 mg"]),
        ("oxycodone 5 mg, tramadol 50 mg", ["oxycodone 5 mg", "tramadol 50 mg"]),
        ("morphine 1,000 mcg", ["morphine 1,000 mcg"]),
        ("morphine 15 mg,tramadol 50 mg", ["morphine 15 mg", "tramadol 50 mg"]),
        ("Norco 10,325 mg,", ["Norco 10,325 mg"]),
        ("oxycodone/APAP 5/325", ["oxycodone/APAP 5/325"]),
        ("Tylenol #3; ", ["Tylenol #3"]),
    ],
)
def test_items_split_at_semicolons_and_commas_but_not_inside_numbers(
    text: str, texts: list[str]
) -> None:
    assert [m.text for m in find_opioids(text)] == texts


def test_one_match_per_item_even_when_brand_and_generic_are_both_written() -> None:
    match = only("Suboxone (buprenorphine/naloxone) 8/2 mg SL film")
    assert match.ingredients == ("buprenorphine",)
    assert match.certainty is EXACT  # the generic name is the stronger evidence
    assert match.matched == "buprenorphine"
    rxnorm = only("12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet [OxyContin]")
    assert rxnorm.matched == "oxycodone"
    assert rxnorm.category is LA


def test_matched_words_are_reported_as_written() -> None:
    assert only("take oxyCODONE 5 mg").matched == "oxyCODONE"
    assert only("MS-Contin 15").matched == "MS-Contin"
    assert only("Tylenol   No. 4").matched == "Tylenol   No. 4"


def test_two_different_opioids_in_one_item_are_both_reported() -> None:
    match = only("tramadol 50 mg and oxycodone 5 mg alternating")
    assert match.ingredients == ("tramadol", "oxycodone")
    assert match.category is SA


def test_an_opioid_outranks_a_naltrexone_product_in_the_same_item() -> None:
    match = only("naltrexone 50 mg with methadone 10 mg")
    assert match.kind is MatchKind.OPIOID
    assert match.ingredients == ("methadone",)
    assert match.category is METH


def test_word_boundaries_keep_names_inside_other_words_out() -> None:
    assert find_opioids("dihydrocodeine 30 mg")[0].ingredients == ("dihydrocodeine",)
    assert find_opioids("benzhydrocodone/APAP")[0].ingredients == ("benzhydrocodone",)
    assert find_opioids("methylnaltrexone; Norcodeine assay; opiumpoppyseed tea") == []


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
    ],
)
def test_a_single_typo_in_a_long_name_is_a_possible_match(
    line: str, ingredient: str, category: OpioidCategory
) -> None:
    match = only(line)
    assert match.certainty is POSSIBLE
    assert match.ingredients == (ingredient,)
    assert match.category is category


@pytest.mark.parametrize("line", ["oxycodone 5 mg", "tramadol 50 mg", "hydrocodone 5 mg"])
def test_the_correct_spelling_is_exact(line: str) -> None:
    assert only(line).certainty is EXACT


@pytest.mark.parametrize(
    "line",
    [
        "codine 30 mg",  # six letters: codeine with one letter missing, too short to guess
        "Norcco 10-325",
        "Ultrm 50 mg",
        "Lortabb",
        "opiun",
        "oxycdne 5 mg",  # two edits
        "tramadolol",  # two edits
    ],
)
def test_short_words_and_two_typos_are_not_guessed(line: str) -> None:
    assert find_opioids(line) == []


@pytest.mark.parametrize(
    "line",
    ["naloxone", "naltrexone", "naloxon", "nalaxone", "naltrexon", "methylnaltrexon", "codaine"],
)
def test_antagonist_names_and_their_typos_never_become_an_opioid(line: str) -> None:
    assert not any(m.is_opioid for m in find_opioids(line))


def test_codaine_is_too_ambiguous_to_call() -> None:
    # One edit from codeine and one edit from cocaine: the matcher does not choose.
    assert find_opioids("codaine") == []


def _eval_rows() -> list[dict[str, str]]:
    with EVAL_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _non_opioid_words() -> set[str]:
    """Words of the evaluation set's non-opioid rows and the vocabulary's never-opioid list."""
    words = {
        w
        for row in _eval_rows()
        if row["expect_kind"] != "opioid"
        for w in re.findall(r"[^\W\d_]+", row["text"].lower())
    }
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    words |= {w.lower() for w in data["not_opioid"]["names"]}
    return {w for w in words if len(w) >= 6}


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


def test_no_one_edit_variant_of_a_non_opioid_name_matches_an_opioid() -> None:
    words = _non_opioid_words()
    variants = {v for w in words for v in _one_edit_variants(w)} - words
    false = sorted(v for v in variants if any(m.is_opioid for m in find_opioids(v)))
    print(
        f"\ntypo check: {len(variants)} one-edit variants of {len(words)} non-opioid words, "
        f"{len(false)} matched an opioid"
    )
    assert false == []


# --- robustness -----------------------------------------------------------------------------


def test_empty_and_blank_text_give_no_match() -> None:
    assert find_opioids("") == []
    assert find_opioids(" \n\t\r\n ;,, ") == []


def test_a_megabyte_of_noise_does_not_crash() -> None:
    rng = random.Random(20251127)
    pool = (
        [chr(c) for c in range(0, 32)]
        + list(string.printable)
        + ["\u00df", "\u0130", "\u2028", "\u200b", "\ufeff", "\U0001f48a", "\ud800", "\udfff"]
        + [chr(rng.randrange(0x80, 0x3000)) for _ in range(300)]
        + [" oxycodone ", " Tylenol #3 ", ",", ";", "1,000", " oxycodon ", "\n"]
    )
    noise = "".join(rng.choice(pool) for _ in range(1_000_000))
    matches = find_opioids(noise)
    assert isinstance(matches, list)
    assert all(m.line_no >= 1 for m in matches)
    long_word = "x" * 1_000_000 + " oxycodone"
    assert [m.ingredients for m in find_opioids(long_word)] == [("oxycodone",)]
    matcher = compiled_matcher()  # the per-process typo cache stays small
    assert len(matcher.typo_cache) <= 10_000
    assert all(len(word) <= matcher.typo_max for word in matcher.typo_cache)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_well_formed_matches(text: str) -> None:
    lines = re.split(r"\r\n|\r|\n", text)
    for match in find_opioids(text):
        assert 1 <= match.line_no <= len(lines)
        assert match.text in lines[match.line_no - 1]
        assert match.matched
        assert match.source_key in SOURCES


def test_matches_are_frozen() -> None:
    match = only("tramadol 50 mg")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.line_no = 2  # type: ignore[misc]


# --- the vocabulary data ------------------------------------------------------------------


def test_the_vocabulary_is_compiled_once() -> None:
    assert compiled_matcher() is compiled_matcher()


def test_every_vocabulary_entry_cites_a_known_source() -> None:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    keys = {e["source"] for e in data["entry"]} | set(data["category_sources"].values())
    assert keys <= set(SOURCES)


def _vocabulary() -> dict:
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["entry"][0].update(source="wikipedia"), "unknown source"),
        (lambda d: d["entry"][0].pop("category"), "needs a category"),
        (lambda d: d["entry"][-1].update(category="short_acting"), "needs a category"),
        (lambda d: d["entry"][1]["brands"].append("Percocet"), "two different entries"),
        (lambda d: d["not_opioid"]["names"].append("tramadol"), "both as a name"),
        (lambda d: d["not_opioid"]["names"].append("tramadil"), "one edit from"),
        (lambda d: d["entry"][0].update(kind="narcotic"), "narcotic"),
    ],
)
def test_inconsistent_vocabulary_data_is_refused(
    change: Callable[[dict], object], message: str
) -> None:
    data = copy.deepcopy(_vocabulary())
    change(data)
    with pytest.raises(ValueError, match=message):
        build_matcher(data)


# --- evaluation on the RxNorm-coded value sets --------------------------------------------


def test_recall_false_positives_and_categories_on_the_evaluation_set(
    record_property: pytest.RecordProperty,
) -> None:
    rows = _eval_rows()
    opioid_rows = [r for r in rows if r["expect_kind"] == "opioid"]
    other_rows = [r for r in rows if r["expect_kind"] != "opioid"]
    assert len(opioid_rows) >= 500 and len(other_rows) >= 200

    found = category_ok = ingredients_ok = 0
    er_rows = er_ok = 0
    missed: list[str] = []
    wrong_category: list[tuple[str, str, str]] = []
    for row in opioid_rows:
        opioids = [m for m in find_opioids(row["text"]) if m.is_opioid]
        if len(opioids) != 1:
            missed.append(row["text"])
            continue
        match = opioids[0]
        found += 1
        category_ok += match.category == row["expect_category"]
        ingredients_ok += "|".join(match.ingredients) == row["expect_ingredients"]
        if match.category != row["expect_category"]:
            wrong_category.append((row["text"], str(match.category), row["expect_category"]))
        if row["er_set"] == "y":
            er_rows += 1
            er_ok += match.category == row["expect_category"]

    false_positives = [
        r["text"] for r in other_rows if any(m.is_opioid for m in find_opioids(r["text"]))
    ]
    kind_ok = sum(
        [m.kind.value for m in find_opioids(r["text"])]
        == ([] if r["expect_kind"] == "none" else [r["expect_kind"]])
        for r in other_rows
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
        "ingredient_accuracy": round(ingredients_ok / max(found, 1), 4),
        "non_opioid_kind_accuracy": round(kind_ok / len(other_rows), 4),
    }
    for name, value in figures.items():
        record_property(name, value)
    print("\nmedication matcher evaluation:", figures)
    print("missed:", missed[:10], "false positives:", false_positives[:10])
    print("wrong category:", wrong_category[:10])

    assert recall >= 0.995, missed
    assert fpr <= 0.005, false_positives
    assert figures["er_set_category_accuracy"] >= 0.98, wrong_category
    assert figures["category_accuracy"] >= 0.98, wrong_category
    assert figures["ingredient_accuracy"] >= 0.98

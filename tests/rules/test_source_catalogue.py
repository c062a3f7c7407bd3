"""The citation catalogue: every source is a document a clinician can open, or a clinic policy.

Checks the catalogue itself (allowed hosts, DailyMed section names, no secondary pages, the
VIVITROL text kept apart from the tablet label's) and that every key the product uses exists.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import ldn_screen.rules as rules_pkg
from ldn_screen.rules import DEFAULT_SETTINGS, SETTING_SPECS
from ldn_screen.rules.counselling import counselling_points, side_effects
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.evidence import EVIDENCE, EVIDENCE_SENTENCE
from ldn_screen.rules.findings import CATALOGUE
from ldn_screen.rules.followup.findings import FOLLOWUP_CATALOGUE
from ldn_screen.rules.model import Formulation, Schedule
from ldn_screen.rules.sheet_text import sheet_text
from ldn_screen.rules.sources import SOURCES, EvidenceKind, Source

RULES_DIR = Path(rules_pkg.__file__).parent
PACKAGE_DIR = RULES_DIR.parent

# Primary documents only: the label on DailyMed, PubMed/PMC and the NCBI Bookshelf (LactMed,
# LiverTox), DOIs, trial registers, regulators (FDA, MHRA on GOV.UK, Health Canada, TGA/PBS,
# DEA, NIDA), national formularies (dm+d, BNF, NICE), ISMP, RxNorm at the NLM, ACR and the
# HL7 publication of the CDC opioid value sets.
ALLOWED_HOSTS = re.compile(
    r"^("
    r"dailymed\.nlm\.nih\.gov|pubmed\.ncbi\.nlm\.nih\.gov|(www\.)?ncbi\.nlm\.nih\.gov|"
    r"www\.nlm\.nih\.gov|doi\.org|clinicaltrials\.gov|"
    r"www\.fda\.gov|api\.fda\.gov|animaldrugsatfda\.fda\.gov|www\.accessdata\.fda\.gov|www\.medsafe\.govt\.nz|www\.sahpra\.org\.za|cdsco\.gov\.in|gazette\.govt\.nz|www\.cdc\.gov|nida\.nih\.gov|"
    r"(www\.)?rheumatology\.org|services\.nhsbsa\.nhs\.uk|bnf\.nice\.org\.uk|www\.nice\.org\.uk|"
    r"health-products\.canada\.ca|www\.tga\.gov\.au|www\.pbs\.gov\.au|www\.ismp\.org|"
    r"www\.dea\.gov|www\.gov\.uk|build\.fhir\.org"
    r")$"
)
DAILYMED_TABLET = "dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=f3305f0b-fb9e-4009-b28f"
# The tablet label is old-format: sections by name only.
SECTION_NAMES = (
    "INDICATIONS AND USAGE",
    "CONTRAINDICATIONS",
    "WARNINGS",
    "PRECAUTIONS",
    "DOSAGE AND ADMINISTRATION",
)
SECTION_NUMBER = re.compile(r"\b\d+\.\d+\b")
# Secondary pages, blogs, AI answer sites, forums and question-and-answer sites, and the
# project's own working notes: never shown as a source.
BANNED = (
    "shared/",
    "seed",
    "blog",
    "droracle",
    "blogspot",
    "medium.com",
    "reddit",
    "quora",
    "stackexchange",
    "forum",
    "q&a",
    "question-and-answer",
    ".txt",
    "clinical reference",
    "design notes",
    "weightwatchers",
    "medlibrary",
    "rosheta",
    "pdrhealth",
    "knowyourotcs",
    "bandolier",
    "ldnresearchtrust.org",
    "hdrx.com",
    "ifmsynergy",
    "ldndirect",
    "hpimed",
    "lavendersky",
    "drugs.com",
    "motherfigure",
    "safeinbreastfeeding",
    "rxmed",
    "pillintrip",
    "pill2trip",
    "prescriberpoint",
    "drugcentral",
    "empr.com",
    "thehealththread",
    "ammes.org",
    "nursekey",
    "mallinckrodt",
)
VERIFY = re.compile(r"^Verify against the (label|tablet label|published paper|published letter)$")


def _texts(s: Source) -> list[str]:
    return [
        s.title,
        s.reference,
        s.verify,
        s.url or "",
        *(t for link in s.also for t in (link.text, link.url)),
    ]


def _urls(s: Source) -> list[str]:
    return [u for u in (s.url, *(link.url for link in s.also)) if u]


@pytest.mark.parametrize("s", SOURCES.values(), ids=list(SOURCES))
def test_every_source_links_to_a_primary_document_or_is_a_clinic_policy(s: Source) -> None:
    if s.kind is EvidenceKind.POLICY:
        assert s.url is None, "a clinic policy has no document to link to"
        assert not s.verify
    else:
        assert s.url, f"{s.key} has no link"
    for url in _urls(s):
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert ALLOWED_HOSTS.match(parts.netloc), f"{s.key}: {parts.netloc} is not allowed"
        assert " " not in url and '"' not in url, url


def test_a_clinic_policy_is_labelled_for_local_confirmation() -> None:
    assert str(EvidenceKind.POLICY) == "Clinic policy: confirm locally"
    policies = [s for s in SOURCES.values() if s.kind is EvidenceKind.POLICY]
    assert len(policies) >= 10
    for s in policies:
        assert s.label.startswith("Clinic policy: confirm locally: "), s.key


@pytest.mark.parametrize("s", SOURCES.values(), ids=list(SOURCES))
def test_no_source_names_a_secondary_page_the_seed_or_a_shared_file(s: Source) -> None:
    for text in _texts(s):
        lowered = text.lower()
        for banned in BANNED:
            assert banned not in lowered, f"{s.key} names {banned!r}: {text}"
    assert "seed" not in s.key


def test_the_seed_kind_and_the_seed_sources_are_gone() -> None:
    assert "SEED" not in EvidenceKind.__members__
    assert "seed" not in {str(k).lower() for k in EvidenceKind}
    assert not [k for k in SOURCES if "seed" in k]


def test_dailymed_citations_name_a_section_and_never_a_number() -> None:
    tablet = [s for s in SOURCES.values() if s.url and DAILYMED_TABLET in s.url]
    assert len(tablet) >= 8  # the label is the main source: guard against the check going empty
    for s in tablet:
        sections = re.findall(r"section ([A-Z][A-Z ]+[A-Z])", s.reference)
        assert sections, f"{s.key} names no section"
        assert all(name in SECTION_NAMES for name in sections), (s.key, sections)
    for s in SOURCES.values():
        if s.kind is EvidenceKind.LABEL or any("dailymed" in u for u in _urls(s)):
            for text in (s.title, s.reference):
                assert not SECTION_NUMBER.search(text), f"{s.key} cites a section number: {text}"


def test_every_verify_note_is_one_the_pages_know() -> None:
    flagged = {s.key: s.verify for s in SOURCES.values() if s.verify}
    assert flagged  # some facts are still unchecked in the document, and say so
    for key, note in flagged.items():
        assert VERIFY.match(note), (key, note)


def test_vivitrol_text_is_never_presented_as_the_tablet_label() -> None:
    # "As long as two weeks" and the cough/cold/antidiarrhoeal sentence may be VIVITROL text.
    vivitrol_phrases = ("two weeks", "cough and cold", "antidiarrh")
    for s in SOURCES.values():
        if "VIVITROL" in s.title:
            assert "not the tablet label" in s.title, s.key
            assert s.verify == "Verify against the tablet label", s.key
            assert s.url and "api.fda.gov" in s.url and DAILYMED_TABLET not in s.url, s.key
        if s.url and DAILYMED_TABLET in s.url:
            assert not any(p in s.title.lower() for p in vivitrol_phrases), s.key
    for key in ("label_switching", "label_opioid_products"):
        assert "VIVITROL" in SOURCES[key].title
    # Any product sentence quoting the two-weeks wording says whose label it may be.
    for sentence in _product_sentences():
        if "as long as two weeks" in sentence.lower():
            assert "VIVITROL" in sentence, sentence


def _product_sentences() -> list[str]:
    sentences = [spec.why for spec in SETTING_SPECS]
    for spec in (*CATALOGUE.values(), *FOLLOWUP_CATALOGUE.values()):
        sentences += [spec.summary, spec.clinician_text, spec.patient_text or ""]
    for point in counselling_points(DEFAULT_SETTINGS):
        sentences += [point.clinician_text, point.patient_text]
    sentences += [e.advice for e in side_effects()]
    return sentences


def test_no_product_sentence_cites_the_seed_or_a_shared_file() -> None:
    for sentence in _product_sentences():
        lowered = sentence.lower()
        assert "seed" not in lowered and "shared/" not in lowered, sentence
        assert "$" not in sentence, sentence  # the only price came from a forum post


# --- Every key used anywhere exists -------------------------------------------------------


def _keys_in_code() -> set[str]:
    """String keys the rules pass as a source: source("k"), *_source="k", source_key = "k"."""
    found: set[str] = set()

    def consts(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return consts(node.body) + consts(node.orelse)
        return []

    def is_source_name(name: str) -> bool:
        return name == "source_key" or name.endswith("_source")

    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "source" and node.args:
                    found.update(consts(node.args[0]))
                for kw in node.keywords:
                    if kw.arg and is_source_name(kw.arg):
                        found.update(consts(kw.value))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                    for t, v in zip(names, values, strict=False):
                        if isinstance(t, ast.Name) and is_source_name(t.id):
                            found.update(consts(v))
    return found


def test_every_key_the_code_passes_exists() -> None:
    keys = _keys_in_code()
    # The scan must see the known call sites, or it proves nothing.
    assert {"label_opioid_free", "label_switching", "hdrx_dosing", "ldnrt_sensitive"} <= keys
    assert {"livertox", "label_emergency_pain", "policy_dose_timing"} <= keys
    assert sorted(keys - set(SOURCES)) == []


def test_every_catalogue_and_setting_key_exists() -> None:
    for code, spec in (*CATALOGUE.items(), *FOLLOWUP_CATALOGUE.items()):
        if "{" in spec.source_key:
            # Filled in by the rule; the code scan above checks the values it passes.
            assert re.fullmatch(r"\{\w+\}", spec.source_key), code
        else:
            assert spec.source_key in SOURCES, (code, spec.source_key)
    for spec in SETTING_SPECS:
        assert SOURCES[spec.source.key] is spec.source


def test_every_vocabulary_source_exists() -> None:
    for name in ("opioids.toml", *(p.name for p in (RULES_DIR / "data").glob("*.toml"))):
        data = tomllib.loads((RULES_DIR / "data" / name).read_text(encoding="utf-8"))
        used = {e["source"] for e in data.get("entry", []) if "source" in e}
        # (non_opioids.toml's group "source" lines are provenance notes for its header, never
        # shown as a citation: the product names no source for a medicine that is no opioid.)
        used |= set(data.get("category_sources", {}).values())
        assert sorted(used - set(SOURCES)) == [], name


def test_no_data_file_names_a_shared_file_or_the_seed() -> None:
    for path in (RULES_DIR / "data").iterdir():
        text = path.read_text(encoding="utf-8").lower()
        assert "shared/" not in text, path.name
        # "seed" as a source; medicine names such as "flaxseed" or "black seed oil" are fine.
        assert not re.search(r"seed (article|post|file)|\[seed\]|/seed", text), path.name


def test_counselling_and_sheet_sources_resolve() -> None:
    points = counselling_points(DEFAULT_SETTINGS)
    effects = side_effects()
    used = [p.source for p in points] + [e.source for e in effects]
    plan = build_dose_plan(
        DEFAULT_SETTINGS, Schedule.STANDARD, Formulation.CAPSULE, dt.date(2025, 1, 6)
    )
    used.append(sheet_text(DEFAULT_SETTINGS, plan).card.source)
    for s in used:
        assert SOURCES[s.key] is s


# --- The evidence line --------------------------------------------------------------------


def test_the_evidence_line_is_the_one_the_issue_asks_for_and_links_confirmed_ids() -> None:
    assert EVIDENCE.sentence == (
        "Small trials; the largest recent ones (FINAL 2024, n = 99; INNOVA, n = 98) found no "
        "clear benefit over placebo."
    )
    urls = [link.url for link in EVIDENCE.links]
    assert urls == [
        "https://doi.org/10.1016/S2665-9913(23)00278-3",  # FINAL
        "https://pubmed.ncbi.nlm.nih.gov/34992118/",  # INNOVA protocol: results not confirmed
    ]
    assert "protocol" in EVIDENCE.links[1].text
    assert "not yet confirmed" in EVIDENCE.note


def test_the_counselling_evidence_point_carries_the_same_sentence() -> None:
    point = {p.key: p for p in counselling_points(DEFAULT_SETTINGS)}["evidence"]
    assert EVIDENCE_SENTENCE in point.clinician_text
    # The patient's sheet says the same thing in plain words.
    assert "did not show a clear benefit" in point.patient_text

"""The Spanish counselling sheet: a complete, current catalogue with no digit in any
translation, sentences whose numbers come from the settings and the plan, no English
sentence, and INFLESZ readability measured with correct Spanish syllables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.sheet_text import PatientSpecifics, SheetText, sheet_text
from ldn_screen.rules.translation import ENGLISH, Language
from ldn_screen.rules.units import fmt_mg
from ldn_screen.translations import catalogues
from tests.rules.test_sheet_text import PLANS, SETTINGS, START
from tests.spanish_support import compile_into, inflesz, spanish, syllables

ROOT = Path(__file__).resolve().parents[2]
PO = catalogues.HERE / "es_US" / "LC_MESSAGES" / "messages.po"

# Spanish INFLESZ: "fairly easy" (65-80) for the whole sheet and every section. The issue's
# floor is 55 (the "normal" band); the sheet is held to the aim everywhere, so a section
# that slips below 65 is rewritten before it could near the floor.
INFLESZ_AIM = 65.0


@pytest.fixture(scope="module")
def es(tmp_path_factory: pytest.TempPathFactory) -> Language:
    return spanish(compile_into(tmp_path_factory.mktemp("catalogues")))


def _po() -> list:  # type: ignore[type-arg]
    with PO.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def _strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.string if isinstance(message.string, tuple) else (message.string,)


# --- The catalogue -----------------------------------------------------------------------


def test_no_translation_contains_a_digit() -> None:
    messages = _po()
    assert len(messages) > 80
    for message in messages:
        for string in _strings(message):
            assert not re.search(r"\d", string), (message.id, string)


def test_every_english_sentence_has_a_current_spanish_translation() -> None:
    with catalogues.TEMPLATE.open("rb") as handle:
        english = {catalogues.message_key(m.id, m.context) for m in read_po(handle) if m.id}
    spanish_entries = {catalogues.message_key(m.id, m.context): m for m in _po()}
    assert english - set(spanish_entries) == set()  # none missing
    for key, message in spanish_entries.items():
        assert key in english, f"obsolete entry: {key[:60]}"
        assert not message.fuzzy, key[:60]
        assert all(s.strip() for s in _strings(message)), f"untranslated: {key[:60]}"
    assert catalogues.header(PO, catalogues.ENGLISH_VERSION_HEADER) == (
        catalogues.english_version()
    )


def test_the_english_template_is_what_the_code_says(tmp_path: Path) -> None:
    """A changed English sentence that was not extracted again fails here (and the Spanish
    catalogue then fails the test above until it is translated for the new version)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
            "-k", "N_", "-k", "ngettext:1,2", "-k", "_l", "--no-location", "-o", str(fresh), ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert catalogues.english_version(fresh) == catalogues.english_version()


def test_placeholders_match_and_the_catalogue_compiles(tmp_path: Path) -> None:
    written = catalogues.compile_all(tmp_path)
    assert [p.name for p in written] == ["messages.mo"]
    for message in _po():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for string in _strings(message):
            assert set(re.findall(r"%\((\w+)\)s", string)) == wanted, message.id


def test_the_po_header_carries_its_provenance() -> None:
    assert "Last-Translator: " in PO.read_text(encoding="utf-8")
    assert catalogues.header(PO, "Last-Translator")
    assert catalogues.header(PO, "PO-Revision-Date").startswith("20")
    assert catalogues.header(PO, "Language") == "es_US"


# --- The sheet in Spanish ------------------------------------------------------------------

SPECIFICS = {
    "none": None,
    "all": PatientSpecifics(
        no_opioids_before=START, surgery_on=START + dt.timedelta(days=150), thyroid=True
    ),
    "surgery_before": PatientSpecifics(surgery_on=START - dt.timedelta(days=5)),
    "surgery_no_stop_row": PatientSpecifics(surgery_on=START + dt.timedelta(days=400)),
}

# Common English words that no Spanish sentence of the sheet uses.
ENGLISH_WORDS = {
    "the", "you", "your", "and", "take", "with", "when", "not", "before", "after", "day",
    "days", "week", "weeks", "dose", "pain", "clinic", "call", "if", "is", "of", "to", "or",
}  # fmt: skip


def _sentences(text: SheetText) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+", text.prose()) if s]


def _spanish_words_only(line: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", line) if w.lower() in ENGLISH_WORDS]


def _all_sheets(es: Language) -> list[tuple[str, SheetText, SheetText]]:
    sheets = []
    for name, schedule, formulation in PLANS:
        settings = SETTINGS[name]
        for key, specifics in SPECIFICS.items():
            surgery = specifics.surgery_on if specifics else None
            plan = build_dose_plan(settings, schedule, formulation, START, surgery_on=surgery)
            label = f"{name}/{schedule.value}/{formulation.value}/{key}"
            sheets.append(
                (
                    label,
                    sheet_text(settings, plan, specifics, es, card_langs=(ENGLISH,)),
                    sheet_text(settings, plan, specifics),
                )
            )
    return sheets


def test_a_spanish_sheet_has_no_english_sentence(es: Language) -> None:
    """Every schedule, formulation and patient-specific line, under several settings."""
    for label, spanish_text, english_text in _all_sheets(es):
        assert spanish_text.language == "es_US"
        english_sentences = {s for s in _sentences(english_text) if len(s.split()) > 2}
        for sentence in _sentences(spanish_text):
            assert sentence not in english_sentences, (label, sentence)
            assert _spanish_words_only(sentence) == [], (label, sentence)
        assert len(spanish_text.for_you) == len(english_text.for_you), label
        # The wallet card's alert in both languages, the sheet's own first.
        assert spanish_text.card.alerts == (
            ("es-US", "Tomo naltrexona: los opioides pueden no funcionar."),
            ("en", "I take naltrexone: opioids may not work."),
        )


@pytest.mark.parametrize("name", list(SETTINGS))
def test_spanish_numbers_come_from_the_settings_and_the_plan(es: Language, name: str) -> None:
    settings = SETTINGS[name]
    plan = build_dose_plan(settings, Schedule.GENTLE, Formulation.LIQUID, START)
    prose = sheet_text(settings, plan, None, es).prose()
    hold = settings.surgery_hold_days
    assert f"deje la LDN {hold} día{'s' if hold != 1 else ''} antes" in prose
    assert f"dosis completa por {settings.review_weeks} semanas" in prose
    assert f"bajó un {settings.responder_pct}% o más" in prose
    assert f"{settings.liquid_mg_per_ml:g} mg de LDN en cada mL" in prose
    if len(plan.steps) > 1:
        assert f"Empiece con {fmt_mg(plan.steps[0].dose_mg)} al día" in prose
        assert f"Cada {settings.gentle_step_interval_days} días" in prose
        assert f"llegue a {fmt_mg(settings.target_dose_mg)} al día" in prose


def test_doses_are_written_as_in_es_us_and_dates_in_words(es: Language) -> None:
    from babel.numbers import format_decimal

    settings = dataclasses.replace(DEFAULT_SETTINGS, standard_start_dose_mg=1.5)
    plan = build_dose_plan(settings, Schedule.STANDARD, Formulation.CAPSULE, START)
    for step in plan.steps:  # the rules' "1.5 mg" is es_US's own way to write it
        assert fmt_mg(step.dose_mg) == f"{format_decimal(step.dose_mg, locale='es_US')} mg"
    assert "1,5" not in sheet_text(settings, plan, None, es).prose()
    day = dt.date(2026, 12, 7)
    assert es.date(day) == "lunes 7 de diciembre de 2026"
    specifics = PatientSpecifics(no_opioids_before=day)
    text = sheet_text(settings, plan, specifics, es)
    assert text.for_you[0].text.startswith(
        "No tome medicinas opioides antes del lunes 7 de diciembre de 2026."
    )
    # No numeric date anywhere (Spanish short dates put the day first).
    assert not re.search(r"\d+/\d+", text.prose())


def test_the_english_sheet_is_unchanged_by_the_catalogue(es: Language) -> None:
    plan = build_dose_plan(DEFAULT_SETTINGS, Schedule.STANDARD, Formulation.CAPSULE, START)
    english = sheet_text(DEFAULT_SETTINGS, plan)
    assert english.language == "en"
    assert english.card.title == "I take low-dose naltrexone (an opioid blocker)."
    assert sheet_text(DEFAULT_SETTINGS, plan, None, es).card.title != english.card.title


# --- Readability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("enero", 3),
        ("agua", 2),
        ("ahí", 2),
        ("aceite", 3),
        ("oído", 3),
        ("náusea", 3),
        ("día", 2),
        ("farmacia", 3),
        ("fibromialgia", 4),
        ("hígado", 3),
        ("naltrexona", 4),
        ("huevo", 2),
        ("ahora", 3),
        ("LDN", 5),  # ele-de-ene, as it is read aloud
        ("mg", 4),  # miligramos
    ],
)
def test_spanish_syllables_are_counted_correctly(word: str, count: int) -> None:
    assert syllables(word) == count


def test_inflesz_follows_its_formula() -> None:
    # 4 words, 8 syllables (a-gua, e-ne-ro, dí-a, sol), one sentence.
    text = "Agua enero día sol."
    assert inflesz(text) == pytest.approx(206.835 - 62.3 * 8 / 4 - 4)


def _sections(text: SheetText) -> dict[str, str]:
    return {
        "for_you": " ".join(line.text for line in text.for_you),
        "about": " ".join((*text.about, *text.judging)),
        "how_to_take": " ".join(
            (*text.how_to_take, text.calendar_note, *filter(None, [text.surgery_stop]))
        ),
        "side_effects": " ".join(
            (text.side_effects_intro, *(f"{e.names}. {e.advice}" for e in text.side_effects))
        ),
        "urgent": " ".join((text.urgent_intro, *text.urgent)),
        "opioids": " ".join(text.opioids),
        "getting_it": " ".join(text.getting_it),
        "card": " ".join((text.card.how_to_cut, text.card.title, text.card.emergency)),
    }


def test_the_spanish_sheet_is_fairly_easy_to_read(es: Language) -> None:
    scores = {}
    lowest: dict[str, float] = {}
    for label, spanish_text, _english in _all_sheets(es):
        whole = inflesz(spanish_text.prose())
        scores[label] = whole
        assert whole >= INFLESZ_AIM, (label, whole)
        for section, prose in _sections(spanish_text).items():
            if prose.strip():
                score = inflesz(prose)
                lowest[section] = min(score, lowest.get(section, score))
                assert score >= INFLESZ_AIM, (label, section, score)
    default = scores["defaults/standard/capsule/none"]
    print(f"\nINFLESZ: {default:.1f} (default plan); lowest {min(scores.values()):.1f}")
    print("lowest per section: " + ", ".join(f"{k} {v:.1f}" for k, v in lowest.items()))


def test_the_governance_record_matches_the_catalogue() -> None:
    import tomllib

    record = tomllib.loads((PO.parents[1] / "PROVENANCE.toml").read_text(encoding="utf-8"))
    newest = record["translation"][0]
    assert newest["english_version"] == catalogues.header(PO, catalogues.ENGLISH_VERSION_HEADER)
    assert newest["translated_on"] == catalogues.header(PO, "PO-Revision-Date")[:10]
    assert catalogues.header(PO, "Last-Translator").startswith(newest["translator"])
    assert newest["status"] in {"draft", "professionally translated"}

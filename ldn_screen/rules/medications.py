"""Read a pasted medication list the way a pharmacist would: every line, one reading each.

Each line gets exactly one reading (``LineKind``): an opioid (with its ingredients, category
and certainty), a naltrexone product, an opioid-like substance (kratom), another known
medicine, an allergy or intolerance entry, a stopped or historical entry, a line that is no
medicine at all (a heading, "none"), or *not recognised*. The engine turns the readings into
findings; nothing here decides a verdict.

What the reader does, in order, for each line:

1. Context. A heading ("Allergies:", "Discontinued medications:") sets the context of the
   lines under it until a blank line or the next heading; a prefix ("Allergies: codeine")
   sets it for its own line. Allergy wording ("allergic to", "ADR", "intolerance", a reaction
   such as "rash", an allergy list such as "PCN, codeine") marks an allergy entry; "stopped",
   "discontinued", "inactive", "hx of", "completed taper" mark a stopped one.
2. Names. The words are looked up in the vocabulary (``medication_vocabulary``), and codeine
   is also read where labels write it short ("APAP/CAF/COD", "Tylenol w/ codeine #3"). A name
   right after "no", "without" or "non", or right before "free", is negated ("Robitussin (no
   codeine)", "codeine-free"); an ambiguous abbreviation the line itself explains
   ("liothyronine (T3)") is dropped.
3. Category, from the whole line; the safer reading wins when the line is ambiguous. Depot
   and maintenance products first; then any extended-release or transdermal wording
   (ER, XR, SR, CR, LA, XL, MR, PR, "12 hr", "Contin", patch, TD, mcg/h, q72h, weekly
   buprenorphine); then a regular once- or twice-daily schedule, which for an opioid usually
   means an extended-release product; and only then cough or antidiarrhoeal products.
4. Safety over tidiness. An allergy line whose opioid also carries a dose and a schedule reads
   as current use; present-tense wording ("now", "currently", "active") outweighs history
   wording; a stopped entry is never dropped, and it only counts as history when its latest
   possible date is outside the opioid-free interval (a depot never is).

A line with none of the known names is *not recognised*. When it looks like a medicine (a
dose, unit, form, route or schedule, or a bare one- or two-word name) the engine keeps the
verdict from "eligible" until the clinician confirms it is not an opioid.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from .medication_vocabulary import (
    KIND_SAFETY_ORDER,
    TOKEN,
    Certainty,
    Hit,
    MatchKind,
    OpioidCategory,
    vocabulary,
)

__all__ = [
    "Certainty",
    "LineKind",
    "LineReading",
    "MatchKind",
    "MedicationReading",
    "OpioidCategory",
    "line_key",
    "read_medication_list",
]


class LineKind(StrEnum):
    OPIOID = "opioid"
    OPIOID_LIKE = "opioid_like"
    NALTREXONE = "naltrexone"
    MEDICINE = "medicine"
    ALLERGY = "allergy"
    STOPPED = "stopped"
    NOT_A_MEDICINE = "not_a_medicine"
    UNRECOGNISED = "unrecognised"


class Context(StrEnum):
    NONE = "none"
    ALLERGY = "allergy"
    STOPPED = "stopped"


class LineReading(NamedTuple):
    """How one line was read. Immutable; a named tuple rather than a frozen dataclass because
    one is built for every pasted line and a tuple is several times quicker to build."""

    line_no: int
    text: str
    kind: LineKind
    names: tuple[str, ...] = ()  # the names found, as written
    ingredients: tuple[str, ...] = ()  # opioid (or naltrexone/naloxone) ingredients named
    category: OpioidCategory | None = None  # opioid lines, current or stopped
    certainty: Certainty | None = None
    maintenance: bool = False  # methadone or buprenorphine for opioid use disorder
    why: str = ""  # how the line was read, for the clinician
    looks_like_medicine: bool = False
    stopped_by: dt.date | None = None  # stopped lines: the latest date the text allows
    confirmed: bool = False  # the clinician confirmed this unrecognised line is no opioid
    peripheral_opioid: bool = False  # loperamide
    naloxone: bool = False  # a naloxone product is named
    # Naloxone or a medicine for opioid-induced constipation: usually prescribed with an opioid.
    opioid_indicator: bool = False
    source_key: str = ""

    @property
    def is_current_opioid(self) -> bool:
        return self.kind is LineKind.OPIOID

    @property
    def names_opioid(self) -> bool:
        """An opioid is named, whatever the context (current, stopped or allergy)."""
        return self.category is not None

    @property
    def blocks_eligibility(self) -> bool:
        """An unread line that may be a medicine: it must be confirmed before a start."""
        return self.kind is LineKind.UNRECOGNISED and self.looks_like_medicine


@dataclass(frozen=True, slots=True)
class MedicationReading:
    lines: tuple[LineReading, ...]
    # The lines of each kind, in list order: the rules ask for a kind about ten times a screen.
    by_kind: dict[LineKind, tuple[LineReading, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        grouped: dict[LineKind, list[LineReading]] = {}
        for line in self.lines:
            grouped.setdefault(line.kind, []).append(line)
        self.by_kind.update((kind, tuple(group)) for kind, group in grouped.items())

    def of_kind(self, *kinds: LineKind) -> tuple[LineReading, ...]:
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], ())
        return tuple(r for r in self.lines if r.kind in kinds)

    @property
    def medicine_lines(self) -> tuple[LineReading, ...]:
        """Every line except headings and blanks."""
        return tuple(r for r in self.lines if r.kind is not LineKind.NOT_A_MEDICINE)

    @property
    def unrecognised(self) -> tuple[LineReading, ...]:
        return self.of_kind(LineKind.UNRECOGNISED)

    def sorted_for_display(self) -> tuple[LineReading, ...]:
        """Opioid lines first, then what needs the clinician, then the rest in list order."""
        order = {
            LineKind.OPIOID: 0,
            LineKind.OPIOID_LIKE: 1,
            LineKind.NALTREXONE: 2,
            LineKind.UNRECOGNISED: 3,
            LineKind.STOPPED: 4,
            LineKind.ALLERGY: 5,
            LineKind.MEDICINE: 6,
        }
        return tuple(sorted(self.medicine_lines, key=lambda r: (order.get(r.kind, 9), r.line_no)))


# --- Patterns -------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦>]+|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


_ALLERGY_HEADING = re.compile(
    r"^\s*(?:known\s+|drug\s+|medication\s+)?(?:allerg(?:y|ies)|adverse\s+(?:drug\s+)?"
    r"reactions?|adrs?|intolerances?|allergies\s*(?:and|&|/)\s*intolerances?|sensitivities)"
    r"(?:\s*(?:and|&|/)\s*(?:intolerances?|adverse\s+reactions?))?\s*[:\-]?\s*$",
    re.IGNORECASE,
)
_STOPPED_HEADING = re.compile(
    r"^\s*(?:discontinued|inactive|past|previous|prior|historical|stopped|old|former|expired)"
    r"\s+(?:medications?|meds|prescriptions?|rx|drugs)\s*[:\-]?\s*$",
    re.IGNORECASE,
)
_OTHER_HEADING = re.compile(
    r"^\s*(?:(?:current|active|home|outpatient|regular|repeat|daily|otc|over[\s-]the[\s-]counter"
    r"|prn|as[\s-]needed|acute|scheduled)\s+)*(?:medications?|meds|medicines|prescriptions?|"
    r"rx|drugs|medication\s+list|supplements?|vitamins?|otc|repeats?)"
    r"(?:\s*(?:and|&|/)\s*(?:supplements?|vitamins?|otc))?\s*[:\-]?\s*$",
    re.IGNORECASE,
)
# An inline prefix that switches the context for its own line: "Allergies: codeine (rash)".
_ALLERGY_PREFIX = re.compile(
    r"^\s*(?:known\s+|drug\s+)?(?:allerg(?:y|ies|ic(?:\s+to)?)|adrs?|adverse\s+(?:drug\s+)?"
    r"reactions?|intoleran(?:ce|ces|t(?:\s+(?:of|to))?)|sensitivit(?:y|ies))\s*[:\-–]",
    re.IGNORECASE,
)
_STOPPED_PREFIX = re.compile(
    r"^\s*(?:discontinued|inactive|stopped|past|previous|historical|d/c|dc)\s*"
    r"(?:medications?|meds)?\s*[:\-–]",
    re.IGNORECASE,
)
_ALLERGY_WORDS = _words(
    r"allerg\w*",
    r"adrs?",
    r"adverse\s+(?:drug\s+)?(?:reactions?|effects?|events?)",
    r"intoleran\w*",
    r"hypersensitiv\w*",
    r"anaphyla\w*",
    r"nkda",
    r"nka",
    r"nkfa",
    r"sensitivit(?:y|ies)",
    r"reaction\s+to",
    r"reacts?\s+to",
    r"cannot\s+tolerate",
    r"can't\s+tolerate",
    r"does\s+not\s+tolerate",
)
# A reaction named next to a drug, with no dose or schedule: "morphine - itching".
_REACTION_WORDS = _words(
    r"rash(?:es)?",
    r"hives",
    r"urticaria",
    r"itch\w*",
    r"prurit\w*",
    r"angio-?o?edema",
    r"swelling",
    r"throat\s+(?:closing|swelling)",
    r"n/v",
    r"nausea(?:\s+and\s+vomiting)?",
    r"vomiting",
    r"gi\s+upset",
    r"(?:stomach|tummy)\s+upset",
    r"upset\s+stomach",
    r"sob",
    r"wheez\w*",
    r"bronchospasm",
    r"hallucinations?",
    r"made\s+(?:me|her|him|them)\s+\w+",
    r"seizures?",
    r"respiratory\s+depression",
    r"syncope",
    r"flushing",
)
# A reaction counts only when set off from the drug: "morphine - itching", "codeine (rash)".
_REACTION_AFTER_MARK = re.compile(r"[-–—:(/]\s*(?:" + _REACTION_WORDS.pattern + ")", re.IGNORECASE)
# Allergens that only appear in allergy lists: "PCN, codeine".
_ALLERGENS = _words(
    r"pcn",
    r"sulfa",
    r"sulpha",
    r"latex",
    r"shellfish",
    r"iodine",
    r"iv\s+contrast",
    r"contrast\s+(?:dye|media)",
    r"bee\s+stings?",
    r"peanuts?",
    r"tree\s+nuts?",
    r"adhesive(?:\s+tape)?",
    r"eggs?",
    r"nickel",
)
_STOPPED_WORDS = _words(
    r"stopped",
    r"stop(?:ped)?\s+taking",
    r"discontinued",
    r"discontinue",
    r"d/c(?:'?d|'?ed)?",
    r"dc'?d",
    r"dc'?ed",
    r"inactive",
    r"ceased",
    r"quit",
    r"former(?:ly)?",
    r"previous(?:ly)?",
    r"history\s+of",
    r"hx\s+of",
    r"hx",
    r"h/o",
    r"no\s+longer(?:\s+\w+)?",
    r"not\s+(?:currently\s+)?(?:taking|using|on)",
    r"not\s+taken",
    r"off\s+(?:since|for|x|in)",
    r"weaned(?:\s+off)?",
    r"tapered\s+off",
    r"completed(?:\s+(?:taper|course|treatment))?",
    r"taper\s+(?:completed|complete|done|finished)",
    r"finished",
    r"expired",
    r"was\s+on",
    r"used\s+to\s+take",
    r"self[\s-]discontinued",
    r"(?:none|nothing|not\s+used|not\s+taken)\s+since",
    r"used\s+(?:in\s+)?(?:19|20)\d\d",
    r"in\s+remission",
    r"abstinent",
    r"end(?:ed)?\s+(?:date|dated)",
    r"ended",
)
_NONE_LINE = re.compile(
    r"^\s*(?:none|nil|(?:nkda|nka|nkfa)(?:\s*[/,;&]\s*(?:nkda|nka|nkfa))*|n/a|na|"
    r"no\s+known\s+(?:drug\s+|food\s+)?allergies|"
    r"no\s+(?:current\s+|regular\s+|other\s+)?(?:medications?|meds|medicines)|"
    r"no\s+(?:opioids?|opiates?|narcotics)|not\s+on\s+any\s+(?:medications?|meds))"
    r"(?:\s+(?:reported|known|listed|at\s+present|currently))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_DOSE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|μg|ug|g|gm|grams?|ml|mls|cc|l|iu|units?|u|meq|mmol|%|"
    r"mcg/h(?:r|our)?|µg/h(?:r|our)?|ug/h(?:r|our)?|mg/h(?:r)?|mg/ml|mg/5\s?ml|mcg/ml)"
    r"(?![a-z])|\b\d+(?:\.\d+)?\s*/\s*\d+(?:\.\d+)?\b|#\s*\d|\b\d+\s*x\s*\d",
    re.IGNORECASE,
)
_FORM = _words(
    r"tabs?",
    r"tablets?",
    r"caps?",
    r"capsules?",
    r"caplets?",
    r"pills?",
    r"patch(?:es)?",
    r"films?",
    r"strips?",
    r"sprays?",
    r"solution",
    r"soln",
    r"syrup",
    r"elixir",
    r"linctus",
    r"suspension",
    r"susp",
    r"liquid",
    r"drops?",
    r"gtts?",
    r"cream",
    r"gel",
    r"ointment",
    r"oint",
    r"lotion",
    r"inhalers?",
    r"puffs?",
    r"inj",
    r"injection",
    r"pens?",
    r"vials?",
    r"suppository",
    r"suppositories",
    r"supp",
    r"lozenges?",
    r"troches?",
    r"lollipops?",
    r"nebs?",
    r"nebuli[sz]er",
    r"powder",
    r"sachets?",
    r"chewables?",
    r"gummies",
    r"softgels?",
    r"wafers?",
    r"implant",
    r"depot",
    r"mixture",
    r"tincture",
)
_ROUTE = _words(
    r"po",
    r"p\.o\.",
    r"sl",
    r"td",
    r"im",
    r"iv",
    r"sc",
    r"sq",
    r"subq",
    r"s/c",
    r"pr",
    r"inh",
    r"top",
    r"by\s+mouth",
    r"oral(?:ly)?",
    r"topical(?:ly)?",
    r"nasal(?:ly)?",
    r"intranasal",
    r"buccal",
    r"transdermal",
    r"sublingual(?:ly)?",
    r"rectal(?:ly)?",
)
_SCHEDULE = _words(
    r"daily",
    r"qd",
    r"od",
    r"qam",
    r"qpm",
    r"qhs",
    r"hs",
    r"bid",
    r"bd",
    r"tid",
    r"tds",
    r"qid",
    r"qds",
    r"q\s?\d+(?:\s?-\s?\d+)?\s?(?:h|hr|hrs|hours?|d|days?|wk|wks|weeks?)",
    r"prn",
    r"as\s+needed",
    r"as\s+required",
    r"when\s+required",
    r"every\s+(?:\d+|other|one|two|three|four|six|eight|twelve)?\s*\w+",
    r"once",
    r"twice",
    r"three\s+times",
    r"four\s+times",
    r"weekly",
    r"nightly",
    r"at\s+(?:bedtime|night)",
    r"mane",
    r"nocte",
    r"\d+\s*(?:x|times)\s*(?:a|per|/)\s*(?:day|week|d)",
    r"(?:a|per|/)\s*day",
    r"morning",
    r"bedtime",
)
# Extended-release or long-acting wording anywhere in the line.
_LONG_ACTING = _words(
    r"er",
    r"xr",
    r"sr",
    r"cr",
    r"la",
    r"xl",
    r"mr",
    r"pr",
    r"cd",
    r"xt",
    r"ext",
    r"e\.r\.",
    r"s\.r\.",
    r"(?:12|24)[\s-]*(?:hr|hrs|hour|hours|h)",
    r"extended[\s-]*release",
    r"controlled[\s-]*release",
    r"sustained[\s-]*release",
    r"modified[\s-]*release",
    r"prolonged[\s-]*release",
    r"slow[\s-]*release",
    r"long[\s-]*acting",
    r"contin",
    r"retard",
    r"continus",
)
_TRANSDERMAL = _words(
    r"patch(?:es)?",
    r"transdermal",
    r"td",
    r"dtrans",
    r"matrix",
    r"(?:mcg|µg|μg|ug)\s*/\s*(?:hr|hour|h)",
    r"(?:mcg|µg|μg|ug)/(?:hr|hour|h)",
    r"q\s?72\s?(?:h|hr|hrs|hours)",
    r"q\s?3\s?(?:d|days)",
    r"every\s+(?:72\s+hours|3\s+days|three\s+days)",
    r"(?:72|168)[\s-]*(?:hr|hrs|hour|hours|h)",
)
_WEEKLY = _words(r"weekly", r"q\s?7\s?(?:d|days)", r"every\s+(?:7\s+days|week|seven\s+days)")
_IMMEDIATE = _words(r"ir", r"immediate[\s-]*release", r"short[\s-]*acting", r"instant")
# A regular schedule of at most two doses a day (not "as needed").
_ONE_OR_TWO_A_DAY = _words(
    r"bid",
    r"bd",
    r"b\.i\.d\.",
    r"q\s?12\s?(?:h|hr|hrs|hours?)",
    r"every\s+12\s+hours?",
    r"twice\s+(?:a\s+)?(?:daily|day)",
    r"2\s*(?:x|times)\s*(?:a|per|/)?\s*(?:day|daily|d)",
    r"q\s?24\s?(?:h|hr|hrs|hours?)",
    r"every\s+24\s+hours?",
    r"once\s+(?:a\s+)?(?:daily|day)",
    r"daily",
    r"qd",
    r"od",
    r"(?:12|twelve|24)[\s-]*(?:hourly|hrly)",
    r"mane",
    r"nocte",
)
_PRN = _words(r"prn", r"as\s+needed", r"as\s+required", r"when\s+required", r"if\s+needed")
_DEPOT = _words(
    r"implant",
    r"depot",
    r"prefilled[\s-]*syringe",
    r"monthly\s+inj\w*",
    r"(?:monthly|weekly)\s+(?:sc|subq|subcutaneous)",
    r"extended[\s-]*release\s+inj\w*",
)
_INJECTION = _words(r"inj\w*", r"subcutaneous", r"subq", r"sc", r"s/c", r"syringe")
_ANTITUSSIVE = _words(
    r"guaifenesin",
    r"chlorpheniramine",
    r"brompheniramine",
    r"pseudoephedrine",
    r"phenylephrine",
    r"promethazine",
    r"homatropine",
    r"pyrilamine",
    r"triprolidine",
    r"bromodiphenhydramine",
    r"cough\w*",
    r"syrup",
    r"linctus",
    r"antitussive",
    r"robitussin",
    r"cheracol",
)
# Buprenorphine for opioid use disorder: the sublingual and buccal maintenance forms and words.
_OUD_WORDS = _words(
    r"sl",
    r"sublingual(?:ly)?",
    r"films?",
    r"strips?",
    r"oud",
    r"mat",
    r"moud",
    r"otp",
    r"maintenance",
    r"opioid\s+(?:use\s+)?(?:disorder|dependence|addiction)",
    r"addiction",
    r"recovery",
    r"suboxone\s+clinic",
)
# A buccal film of buprenorphine alone is the pain product (Belbuca, reference section on
# buprenorphine: "transdermal/buccal for pain"); the buccal film for opioid use disorder
# (Bunavail) carries naloxone, which is read on its own. So "film" says nothing after "buccal".
_BUCCAL_FILM = re.compile(r"\bbuccal\s+(?:films?|strips?)\b")
_DIGIT = re.compile(r"\d")
# Every word that starts one of the context patterns above ("h/o", "d/c" and "w/o" are found
# by their slash): a line without any of them needs none of those patterns.
_CONTEXT_TOKENS = frozenset(
    [
        "allergy",
        "allergies",
        "allergic",
        "allergen",
        "allergens",
        "adr",
        "adrs",
        "adverse",
        "intolerance",
        "intolerances",
        "intolerant",
        "hypersensitivity",
        "hypersensitivities",
        "anaphylaxis",
        "anaphylactic",
        "anaphylactoid",
        "nkda",
        "nka",
        "nkfa",
        "sensitivity",
        "sensitivities",
        "reaction",
        "reactions",
        "react",
        "reacts",
        "cannot",
        "can",
        "does",
        "stopped",
        "stop",
        "discontinued",
        "discontinue",
        "dc",
        "dcd",
        "dced",
        "inactive",
        "ceased",
        "quit",
        "former",
        "formerly",
        "previous",
        "previously",
        "history",
        "hx",
        "no",
        "not",
        "off",
        "weaned",
        "wean",
        "tapered",
        "taper",
        "completed",
        "finished",
        "expired",
        "was",
        "used",
        "self",
        "none",
        "nothing",
        "last",
        "end",
        "ended",
        "remission",
        "abstinent",
        "pcn",
        "sulfa",
        "sulpha",
        "latex",
        "shellfish",
        "iodine",
        "iv",
        "contrast",
        "bee",
        "peanut",
        "peanuts",
        "tree",
        "adhesive",
        "egg",
        "eggs",
        "nickel",
        "past",
        "historical",
        "prior",
    ]
)
_MG_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*mg(?![a-z/])", re.IGNORECASE)
# "COD" for codeine only inside a slash-joined combination, never "cod liver oil".
_SLASH_CODEINE = re.compile(r"[/-]\s*cod\b|\bcod\s*[/-]", re.IGNORECASE)
# Paracetamol with "#3" or "No. 3": the numbered paracetamol-codeine products (Tylenol #3).
_PARACETAMOL = re.compile(r"tylenol|acetaminophen|paracetamol|apap|\bacet\b", re.IGNORECASE)
_CODEINE_NUMBER = re.compile(r"#\s*[1-4](?!\d)|\bno\.?\s*[1-4](?!\d)", re.IGNORECASE)
# "Last taken 2022" is history; "last dose 10 Nov" of a monthly depot is ongoing treatment.
_LAST_USE = _words(r"last\s+(?:taken|used|dose|injection|injected)")
_NEGATORS = frozenset({"no", "not", "without", "non", "sans", "nil", "zero"})
# Present-tense wording outweighs history wording: "previously morphine, now oxycodone 10 mg".
_CURRENT_WORDS = _words(
    r"now", r"currently", r"current", r"still", r"ongoing", r"continues?", r"active"
)
_MEDICINE_WHY = "known medicine, not an opioid"
_MEDICINE_SOURCE = "non_opioid_vocabulary"
# Every field of a plain medicine line after line_no and text, in LineReading's order.
_MEDICINE_FIELDS = LineReading(
    0,
    "",
    LineKind.MEDICINE,
    certainty=Certainty.EXACT,
    looks_like_medicine=True,
    why=_MEDICINE_WHY,
    source_key=_MEDICINE_SOURCE,
)[2:]
_MEDICINE = MatchKind.MEDICINE  # enum members cost an attribute lookup each time
_NO_CONTEXT = Context.NONE
_CERTAINTY_RANK = {c: i for i, c in enumerate(Certainty)}
_TWICE_DAILY_INGREDIENTS_NOTE = "twice- or once-daily schedule read as extended-release"


# --- Dates ----------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
        "sept" if number == 9 else calendar.month_abbr[number].lower(),
    )
}
_MONTH_NAME = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_ISO_MONTH = re.compile(r"\b(19[5-9]\d|20\d\d)-(0?[1-9]|1[0-2])\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
_MONTH_YEAR_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{4})\b")
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_NAME},?\s+(\d{{4}})\b", re.I
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH_NAME}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH_NAME}\s+(\d{{4}})\b", re.I)
_YEAR_RANGE = re.compile(r"\b(19[5-9]\d|20\d\d)\s*[-–]\s*(19[5-9]\d|20\d\d)\b")
_YEAR = re.compile(r"(?<![\d/.-])(19[5-9]\d|20\d\d)(?![\d/.-])")
_AGO = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|"
    r"several)\s+(day|week|month|year)s?\s+ago\b",
    re.IGNORECASE,
)
_RECENT_WORDS = _words(
    r"yesterday",
    r"today",
    r"recently",
    r"this\s+week",
    r"last\s+(?:week|night|month|few\s+days)",
    r"this\s+month",
    r"days\s+ago",
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "few": 2,  # "a few months ago": the smallest plausible count is the latest date
    "several": 2,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 28, "year": 365}


def latest_date_in(text: str, today: dt.date) -> dt.date | None:
    """The latest date ``text`` can mean, or None when it gives none.

    A year alone means 31 December; a month means its last day; "3/4/2024" is read both as
    3 April and 4 March and the later one is kept; "three months ago" counts two months of 28
    days, and days or weeks ago count as today. Every choice leans late, so an opioid-free
    interval is never overstated. Words such as "recently" or "last week" give ``today``.
    """
    found: list[dt.date] = []
    rest = text

    def take(pattern: re.Pattern[str], convert: Callable[[re.Match[str]], dt.date | None]) -> None:
        nonlocal rest
        for match in list(pattern.finditer(rest)):
            value = convert(match)
            if value is not None:
                found.append(value)
        rest = pattern.sub(" ", rest)

    take(_ISO_DATE, lambda m: _date(int(m[1]), int(m[2]), int(m[3])))
    take(_NUMERIC_DATE, lambda m: _ambiguous_numeric(m[1], m[2], m[3]))
    take(_ISO_MONTH, lambda m: _month_end(int(m[1]), int(m[2])))
    take(_DAY_MONTH_YEAR, lambda m: _date(int(m[3]), _MONTHS.get(m[2].lower()), int(m[1])))
    take(_MONTH_DAY_YEAR, lambda m: _date(int(m[3]), _MONTHS.get(m[1].lower()), int(m[2])))
    take(_MONTH_YEAR, lambda m: _month_end(int(m[2]), _MONTHS.get(m[1].lower())))
    take(_MONTH_YEAR_NUMERIC, lambda m: _month_end(int(m[2]), int(m[1])))
    rest = _YEAR_RANGE.sub(r"\1 \2", rest)  # "2012-2014": the later year counts
    take(_YEAR, lambda m: dt.date(int(m[1]), 12, 31))
    for match in _AGO.finditer(text):
        # "Two weeks ago" is an estimate, not a date: count one unit fewer (days and weeks
        # then mean "recently"), so an estimate never stretches the opioid-free interval.
        count = _NUMBER_WORDS.get(match[1].lower()) or int(match[1])
        unit = match[2].lower()
        count = 0 if unit in {"day", "week"} else count - 1
        found.append(today - dt.timedelta(days=max(count, 0) * _UNIT_DAYS[unit]))
    if _RECENT_WORDS.search(text):
        found.append(today)
    return max(found) if found else None


def _date(year: int, month: int | None, day: int) -> dt.date | None:
    if month is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int | None) -> dt.date | None:
    if month is None or not 1 <= month <= 12 or not 1900 <= year <= 2100:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _ambiguous_numeric(a: str, b: str, y: str) -> dt.date | None:
    year = int(y) + (2000 if len(y) == 2 else 0)
    readings = [_date(year, int(a), int(b)), _date(year, int(b), int(a))]
    valid = [d for d in readings if d is not None]
    return max(valid) if valid else None


# --- Reading --------------------------------------------------------------------------------


def line_key(text: str) -> str:
    """The form of a line that a clinician's confirmation is bound to."""
    return _SPACES.sub(" ", _BULLET.sub("", text)).strip().casefold()


def read_medication_list(
    text: str,
    *,
    today: dt.date,
    confirmed_not_opioids: Iterable[str] = (),
) -> MedicationReading:
    """One reading per line of ``text``. Never raises on any ``str``; linear in its length.

    ``confirmed_not_opioids`` holds the ``line_key`` of lines the clinician confirmed are not
    opioids; it only changes lines the reader could not recognise.
    """
    confirmed = frozenset(confirmed_not_opioids)
    readings: list[LineReading] = []
    section = Context.NONE
    for line_no, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if line and (not line[0].isalpha() or line[1:2] in (".", ")")):
            line = _BULLET.sub("", line).strip()  # "- ", "1. ", "a) ", "•"
        if not line:
            section = Context.NONE
            continue
        heading = _heading_context(line)
        if heading is not None:
            section = heading
            readings.append(_heading(line_no, line))
            continue
        reading = _read_line(line_no, line, section, today)
        if reading.kind is LineKind.UNRECOGNISED and line_key(line) in confirmed:
            reading = reading._replace(confirmed=True, kind=LineKind.MEDICINE)
        readings.append(reading)
    return MedicationReading(tuple(readings))


def _medicine_line(line_no: int, line: str) -> LineReading:
    """A known non-opioid medicine line, built straight from a tuple (the common case)."""
    return tuple.__new__(LineReading, (line_no, line, *_MEDICINE_FIELDS))


def _heading_context(line: str) -> Context | None:
    """The context a heading line sets, or None when the line is no heading."""
    if len(line) > 60 or _DIGIT.search(line):  # headings are short, with no dose
        return None
    if _ALLERGY_HEADING.match(line):
        return Context.ALLERGY
    if _STOPPED_HEADING.match(line):
        return Context.STOPPED
    if _OTHER_HEADING.match(line):
        return Context.NONE
    return None


def _heading(line_no: int, line: str) -> LineReading:
    return LineReading(line_no, line, LineKind.NOT_A_MEDICINE, why="heading")


def _context(line: str, words: list[str], section: Context) -> tuple[Context, bool]:
    """The line's context and whether its wording says so (not only the heading above)."""
    if "/" not in line and _CONTEXT_TOKENS.isdisjoint(words):  # most lines stop here
        return section, False
    if _ALLERGY_PREFIX.match(line) or _ALLERGY_WORDS.search(line):
        return Context.ALLERGY, True
    if _STOPPED_PREFIX.match(line) or _STOPPED_WORDS.search(line) or _LAST_USE.search(line):
        if _CURRENT_WORDS.search(_STOPPED_WORDS.sub(" ", line)):
            return Context.NONE, True
        return Context.STOPPED, True
    if _ALLERGENS.search(line):
        return Context.ALLERGY, True
    return section, False


def _read_line(line_no: int, line: str, section: Context, today: dt.date) -> LineReading:
    words = TOKEN.findall(line.lower())
    vocab = vocabulary()
    if vocab.only_medicines(words) and not _codeine_written_short(line):
        context, _ = _context(line, words, section)
        if context is _NO_CONTEXT:  # an everyday medicine: the common case, read quickly
            return _medicine_line(line_no, line)
    found = vocab.find(words)
    if _codeine_written_short(line) and not any(h.entry.kind is MatchKind.OPIOID for h in found):
        found.append(_codeine_hit(words))
    context, explicit = _context(line, words, section)
    if found and all(h.name.entry.kind is _MEDICINE for h in found):
        # The common case, an everyday medicine: no negation, dose or schedule patterns.
        hits, negated = found, []
        if context is _NO_CONTEXT:
            return LineReading(
                line_no,
                line,
                LineKind.MEDICINE,
                certainty=Certainty.EXACT,
                looks_like_medicine=True,
                why=_MEDICINE_WHY,
                source_key=hits[0].entry.source_key,
            )
        has_dose = has_schedule = looks_like_medicine = True
    else:
        hits = [h for h in found if not _negated(words, h)]
        negated = [h for h in found if h not in hits]
        hits = _without_explained_ambiguity(hits, negated, words)
        has_dose = bool(_DOSE.search(line))
        has_schedule = bool(_SCHEDULE.search(line))
        looks_like_medicine = (
            has_dose
            or has_schedule
            or bool(_FORM.search(line) or _ROUTE.search(line))
            # A bare one- or two-word line is most likely a product name.
            or (0 < sum(w.isalpha() for w in words) <= 2 and not any(w.isdigit() for w in words))
        )
        reaction = not explicit and context is Context.NONE and _REACTION_AFTER_MARK.search(line)
        if reaction and hits and not has_dose and not has_schedule:
            context = Context.ALLERGY

    if not hits and negated and context is not Context.ALLERGY:
        # "Robitussin (no codeine)", "cough mixture without codeine": the writer says the
        # product has no opioid in it.
        absent = ", ".join(dict.fromkeys(_written(line, words, h) for h in negated))
        return LineReading(
            line_no,
            line,
            LineKind.MEDICINE,
            names=(),
            looks_like_medicine=looks_like_medicine,
            why=f"{absent} named only as absent",
        )
    if not hits:
        if _NONE_LINE.match(line):
            return LineReading(line_no, line, LineKind.NOT_A_MEDICINE, why="nothing listed")
        if context is Context.ALLERGY:
            return LineReading(line_no, line, LineKind.ALLERGY, why="allergy entry")
        return LineReading(
            line_no,
            line,
            LineKind.UNRECOGNISED,
            looks_like_medicine=looks_like_medicine,
            why="not recognised: check this line",
        )

    kind = min((h.entry.kind for h in hits), key=KIND_SAFETY_ORDER.index)
    chosen = [h for h in hits if h.entry.kind is kind]
    names = tuple(dict.fromkeys(_written(line, words, h) for h in chosen))
    ingredients = tuple(dict.fromkeys(i for h in chosen for i in h.entry.ingredients))
    certainty = min((h.certainty for h in chosen), key=_CERTAINTY_RANK.__getitem__)
    peripheral = any(h.entry.kind is MatchKind.PERIPHERAL_OPIOID for h in hits)
    indicator = any(h.entry.kind is MatchKind.OPIOID_INDICATOR for h in hits)
    naloxone = any(h.entry.kind is MatchKind.NALOXONE for h in hits) or "naloxone" in ingredients
    lowered = line.lower()
    # LineReading's keyword arguments shared by every reading below (values of several types).
    base: dict[str, Any] = {
        "line_no": line_no,
        "text": line,
        "names": names,
        "ingredients": ingredients,
        "certainty": certainty,
        "looks_like_medicine": looks_like_medicine,
        "peripheral_opioid": peripheral,
        "naloxone": naloxone,
        "opioid_indicator": indicator or naloxone,
        "source_key": chosen[0].entry.source_key,
    }

    if kind is MatchKind.OPIOID:
        category, maintenance, why = _category(chosen, lowered)
        if certainty is Certainty.POSSIBLE:
            why = f"{why}; {_possible_note(chosen)}"
        base.update(category=category, maintenance=maintenance)
        in_use = has_dose and has_schedule
        if context is Context.ALLERGY and not in_use:
            return LineReading(kind=LineKind.ALLERGY, why="allergy or intolerance entry", **base)
        depot_in_use = (
            category is OpioidCategory.DEPOT_BUPRENORPHINE
            and not _STOPPED_WORDS.search(line)
            and not _STOPPED_PREFIX.match(line)
        )
        if context is Context.STOPPED and not depot_in_use:
            return LineReading(
                kind=LineKind.STOPPED,
                stopped_by=latest_date_in(line, today),
                why=f"marked as stopped; {why}",
                **base,
            )
        if context is Context.ALLERGY:
            why = f"{why}; allergy wording, but a dose and schedule are given, so read as in use"
        return LineReading(kind=LineKind.OPIOID, why=why, **base)

    if context is Context.ALLERGY:
        return LineReading(kind=LineKind.ALLERGY, why="allergy or intolerance entry", **base)
    if kind is MatchKind.OPIOID_LIKE:
        if context is Context.STOPPED:
            return LineReading(
                kind=LineKind.STOPPED,
                stopped_by=latest_date_in(line, today),
                why="opioid-like substance, marked as stopped",
                **base,
            )
        return LineReading(kind=LineKind.OPIOID_LIKE, why="opioid-like substance", **base)
    if kind is MatchKind.NALTREXONE:
        if context is Context.STOPPED:
            return LineReading(kind=LineKind.STOPPED, why="naltrexone, marked as stopped", **base)
        return LineReading(kind=LineKind.NALTREXONE, why="naltrexone product", **base)
    if context is Context.STOPPED:
        return LineReading(kind=LineKind.STOPPED, why="marked as stopped", **base)
    return LineReading(kind=LineKind.MEDICINE, why=_MEDICINE_WHY, **base)


def _without_explained_ambiguity(
    hits: list[Hit], negated: list[Hit], words: list[str]
) -> list[Hit]:
    """Drop an ambiguous abbreviation the line itself explains: "liothyronine (T3)" names the
    other meaning, and "Solpadeine Headache (codeine-free)" says there is no codeine."""
    medicines = [" ".join(words[h.first : h.last + 1]) for h in hits if h.entry.kind is _MEDICINE]
    kept = []
    for hit in hits:
        if hit.certainty is Certainty.POSSIBLE and hit.name.entry.ambiguous_with:
            other = hit.name.entry.ambiguous_with.lower()
            if negated or any(name in other for name in medicines):
                continue
        kept.append(hit)
    return kept


def _codeine_written_short(line: str) -> bool:
    low = line.lower()
    if "cod" in low and _SLASH_CODEINE.search(line):
        return True
    return ("#" in low or "no" in low) and bool(
        _CODEINE_NUMBER.search(line) and _PARACETAMOL.search(line)
    )


def _codeine_hit(words: list[str]) -> Hit:
    """Codeine written as labels write it: "APAP/CAF/COD", "ACETAMINOPHEN-COD", or only the
    number of a paracetamol-codeine product ("Tylenol w/ codien #3")."""
    at = next((i for i, w in enumerate(words) if w in {"cod", "#", "no"}), 0)
    return Hit(at, at, vocabulary().single_words["codeine"], Certainty.EXACT)


def _negated(words: list[str], hit: Hit) -> bool:
    if hit.entry.kind is MatchKind.MEDICINE:
        return False
    if hit.first > 1 and words[hit.first - 2 : hit.first] == ["w", "o"]:  # "w/o codeine"
        return True
    if hit.first > 0 and words[hit.first - 1] in _NEGATORS:
        # "no codeine", "without codeine", "non-codeine" (only the word right before counts:
        # "no change: oxycodone 5 mg" still names oxycodone).
        return True
    after = words[hit.last + 1 : hit.last + 2]
    return after == ["free"]


def _written(line: str, words: list[str], hit: Hit) -> str:
    spans = [(m.start(), m.end()) for m in TOKEN.finditer(line)]
    if hit.last >= len(spans):
        return " ".join(words[hit.first : hit.last + 1])
    return line[spans[hit.first][0] : spans[hit.last][1]]


def _possible_note(hits: list[Hit]) -> str:
    ambiguous = [h.entry.ambiguous_with for h in hits if h.entry.ambiguous_with]
    if ambiguous:
        return f"the abbreviation can also mean {ambiguous[0]}: confirm"
    canonical = " ".join(hits[0].name.tokens)
    return f"possible misspelling of {canonical}: confirm"


def _category(hits: list[Hit], lowered: str) -> tuple[OpioidCategory, bool, str]:
    """The line's opioid category, whether it is maintenance treatment, and why."""
    cats = {h.entry.category for h in hits}
    ingredients = {i for h in hits for i in h.entry.ingredients}
    maintenance = any(h.entry.maintenance for h in hits)
    has_buprenorphine = OpioidCategory.BUPRENORPHINE in cats or "buprenorphine" in ingredients

    if OpioidCategory.DEPOT_BUPRENORPHINE in cats or (
        has_buprenorphine
        and (
            _DEPOT.search(lowered) or (_LONG_ACTING.search(lowered) and _INJECTION.search(lowered))
        )
    ):
        return OpioidCategory.DEPOT_BUPRENORPHINE, True, "depot or implant buprenorphine"
    if OpioidCategory.METHADONE in cats or "methadone" in ingredients:
        return OpioidCategory.METHADONE, True, "methadone"
    if has_buprenorphine:
        if _TRANSDERMAL.search(lowered) or _WEEKLY.search(lowered):
            return OpioidCategory.BUPRENORPHINE, False, "buprenorphine patch (transdermal)"
        naloxone = any(h.entry.kind is MatchKind.NALOXONE for h in hits) or "naloxone" in lowered
        oud = maintenance or naloxone or bool(_OUD_WORDS.search(_BUCCAL_FILM.sub(" ", lowered)))
        oud = oud or any(float(m[1]) >= 2 for m in _MG_DOSE.finditer(lowered))
        why = "buprenorphine for opioid use disorder" if oud else "buprenorphine"
        return OpioidCategory.BUPRENORPHINE, oud, why
    if _TRANSDERMAL.search(lowered):
        return OpioidCategory.LONG_ACTING, False, "transdermal (patch)"
    if OpioidCategory.LONG_ACTING in cats:
        return OpioidCategory.LONG_ACTING, False, "long-acting product"
    if _LONG_ACTING.search(lowered) and not _IMMEDIATE.search(lowered):
        return OpioidCategory.LONG_ACTING, False, "extended-release wording"
    if (
        _ONE_OR_TWO_A_DAY.search(lowered)
        and not _PRN.search(lowered)
        and not _IMMEDIATE.search(lowered)
        and not cats <= {OpioidCategory.ANTIDIARRHOEAL}
    ):
        return OpioidCategory.LONG_ACTING, False, _TWICE_DAILY_INGREDIENTS_NOTE
    if OpioidCategory.UNKNOWN in cats:
        return OpioidCategory.UNKNOWN, False, "opioid, product not named"
    if OpioidCategory.ANTITUSSIVE in cats or (
        any(h.entry.antitussive_capable for h in hits) and _ANTITUSSIVE.search(lowered)
    ):
        return OpioidCategory.ANTITUSSIVE, False, "opioid cough product"
    if OpioidCategory.ANTIDIARRHOEAL in cats:
        return OpioidCategory.ANTIDIARRHOEAL, False, "opioid antidiarrhoeal"
    return OpioidCategory.SHORT_ACTING, False, "short-acting"

"""Benchmarks for the medication-list reader: a 200-line pasted list, and compiling the vocabulary.

Run with ``pytest tests/bench --benchmark-enable --benchmark-only`` (the project's pytest options
disable benchmarks by default; a plain run executes each once, untimed, as a correctness check).
Targets (issue: medication lists, section 4): 200 lines in 5 ms (median), the vocabulary compiled
in 200 ms. They are read from the benchmark report, not asserted: timings depend on the machine.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from ldn_screen.rules.medication_vocabulary import vocabulary
from ldn_screen.rules.medications import LineKind, read_medication_list

pytestmark = pytest.mark.bench

TODAY = dt.date(2026, 12, 1)

# A chart-style list: mostly non-opioids with sigs, some opioids, brands, typos and RxNorm text.
_LINES = [
    "gabapentin 300 mg PO TID",
    "duloxetine 60 mg DR capsule daily",
    "oxyCODONE 5 mg tablet 1 tab PO q4h PRN severe pain",
    "metformin 1,000 mg PO BID with meals",
    "levothyroxine 75 mcg PO daily before breakfast",
    "HYDROcodone-acetaminophen 5-325 mg 1-2 tabs q6h prn",
    "cyclobenzaprine 10 mg PO at bedtime PRN muscle spasm",
    "lisinopril 20 mg daily; atorvastatin 40 mg qhs",
    "Tylenol #3 1 tab PO q6h PRN",
    "omeprazole 20 mg DR cap daily",
    "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet [OxyContin]",
    "sertraline 100 mg daily",
    "naloxone 4 mg/0.1 mL nasal spray, use as directed for overdose",
    "pregabalin 75 mg capsule twice daily",
    "fentaNYL 25 mcg/hr transdermal patch, change every 72 hours",
    "ibuprofen 800 mg tab q8h prn with food",
    "tramdol 50 mg prn",
    "vitamin D3 2,000 units daily",
    "Suboxone 8 mg-2 mg sublingual film daily",
    "amitriptyline 10 mg qhs",
    "promethazine with codeine 6.25-10 mg/5 mL syrup, 5 mL q6h prn cough",
    "melatonin 3 mg at bedtime",
    "Lomotil 2.5-0.025 mg, 2 tabs after loose stool",
    "tizanidine 4 mg q8h prn",
    "kratom capsules (patient-reported)",
    "meloxicam 15 mg daily",
    "LDN 1.5 mg compounded capsule nightly",
    "methadone 10 mg tablet TID",
    "diphenhydramine 25 mg qhs prn sleep",
    "Imodium A-D 2 mg prn",
    "acetaminophen 500 mg 2 tabs q6h prn (max 3 g/day)",
    "buprenorphine 74.2 MG Drug Implant [Probuphine]",
    "ondansetron 4 mg ODT q8h prn nausea",
    "magnesium glycinate 400 mg daily",
    "Relistor 150 mg tablets, 3 tablets every morning",
    "trazodone 50 mg qhs",
    "tramadol hydrochloride 50 MG Oral Tablet [Ultram]",
    "benzonatate 100 mg TID prn",
    "hydroxyzine 25 mg q6h prn itching",
    "naproxen sodium 220 mg bid prn",
]
LIST_200 = "\n".join(_LINES[i % len(_LINES)] for i in range(200))
# Lines of _LINES that name an opioid in current use (the typo "tramdol" included).
_OPIOID_LINES_PER_40 = 12


def test_bench_read_a_200_line_list(benchmark: BenchmarkFixture) -> None:
    vocabulary()  # compiled outside the timed call, as it is in a running app
    reading = benchmark(read_medication_list, LIST_200, today=TODAY)
    assert [r.line_no for r in reading.lines] == list(range(1, 201))
    assert len(reading.of_kind(LineKind.OPIOID)) == 5 * _OPIOID_LINES_PER_40
    assert reading.unrecognised == ()


def test_bench_compile_the_vocabulary(benchmark: BenchmarkFixture) -> None:
    def compile_afresh() -> object:
        vocabulary.cache_clear()
        return vocabulary()

    compiled = benchmark.pedantic(compile_afresh, rounds=20, iterations=1, warmup_rounds=1)
    assert compiled is vocabulary()
    assert compiled.find(["oxycodone"])

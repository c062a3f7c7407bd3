"""Benchmarks for the medication matcher: a 200-line pasted list, and compiling the vocabulary.

Run with ``pytest tests/bench --benchmark-enable --benchmark-only`` (the project's pytest options
disable benchmarks by default). Targets: 200 lines in 5 ms (median), the vocabulary compiled
in 200 ms.
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from ldn_screen.rules.medications import compiled_matcher, find_opioids

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


@pytest.mark.bench
def test_bench_find_opioids_in_a_200_line_list(benchmark: BenchmarkFixture) -> None:
    compiled_matcher()  # compiled outside the timed call, as it is in a running app
    matches = benchmark(find_opioids, LIST_200)
    assert len(matches) == 5 * 15  # 15 recognised items in every 40 lines
    if not benchmark.disabled:  # a plain test run executes it once, untimed
        assert benchmark.stats.stats.median < 0.005


@pytest.mark.bench
def test_bench_compile_the_vocabulary(benchmark: BenchmarkFixture) -> None:
    def compile_afresh() -> object:
        compiled_matcher.cache_clear()
        return compiled_matcher()

    matcher = benchmark.pedantic(compile_afresh, rounds=20, iterations=1, warmup_rounds=1)
    assert matcher is compiled_matcher()
    if not benchmark.disabled:
        assert benchmark.stats.stats.median < 0.200

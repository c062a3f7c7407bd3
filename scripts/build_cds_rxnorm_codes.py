#!/usr/bin/env python3
"""Build ldn_screen/rules/data/cds_rxnorm_codes.json: the RxNorm codes the CDS Hooks service
reads on an order, from the public value sets the project already uses.

* ``opioid``: every code of the CDC opioid prescribing value sets (cqframework/opioid-cds-r4 at
  commit b29bdcbf6db6f3de26486dbc3820572ee9a78b89, ``input/vocabulary/valueset/``) whose
  product is an opioid (Embeda, the morphine/naltrexone combination, is one);
* ``naltrexone``: the naltrexone rows of the eCQM "Opiate Antagonists" value set
  (cqframework/ecqm-content-r4-2021 at commit 0be9c6864640478209add3b5c99178291986a0e0,
  ``input/vocabulary/valueset/external/valueset-2.16.840.1.113883.3.464.1003.198.12.1132.json``),
  each with the product form RxNorm names: the 50 mg tablet, the 380 mg injection, and the
  bupropion/naltrexone tablet (Contrave).

The rows come from tests/data/valueset_rows.csv, the committed copy of those value sets that
scripts/build_opioid_vocabulary.py writes (its tests/data/valueset_sources.json names each
file, repository and commit). Run from the checkout:

    python scripts/build_cds_rxnorm_codes.py [--check]

Standard library only; deterministic output.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ROOT / "tests/data/valueset_rows.csv"
SOURCES = ROOT / "tests/data/valueset_sources.json"
OUT = ROOT / "ldn_screen/rules/data/cds_rxnorm_codes.json"
NALTREXONE_SET = "ecqm-content-r4-2021/2.16.840.1.113883.3.464.1003.198.12.1132"
OPIOID_PREFIX = "opioid-cds-r4/"


def naltrexone_form(display: str) -> str:
    """What the order is, from RxNorm's own product string."""
    lower = display.lower()
    if "bupropion" in lower:
        return "bupropion_combination"
    if "injection" in lower or "injectable" in lower:
        return "injection"
    if "morphine" in lower:
        return "opioid_combination"
    return "oral"


def build() -> str:
    sources = json.loads(SOURCES.read_text())
    entries = sources["sources"] if isinstance(sources, dict) else sources
    used = [
        e for e in entries if e["key"].startswith(OPIOID_PREFIX) and e.get("role") == "opioid"
    ] + [e for e in entries if e["key"] == NALTREXONE_SET]
    used_keys = {e["key"] for e in used}
    opioid: dict[str, str] = {}
    naltrexone: dict[str, dict[str, str]] = {}
    with ROWS.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["valueset"] not in used_keys:
                continue
            if row["valueset"].startswith(OPIOID_PREFIX) and row["is_opioid"] == "true":
                opioid.setdefault(row["code"], row["display"])
            elif row["valueset"] == NALTREXONE_SET and "naltrexone" in row["display"].lower():
                naltrexone[row["code"]] = {
                    "display": row["display"],
                    "form": naltrexone_form(row["display"]),
                }
    document = {
        "generated_by": "scripts/build_cds_rxnorm_codes.py",
        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
        "sources": [
            {k: e[k] for k in ("key", "repository", "commit", "path", "valueset", "title")}
            for e in used
        ],
        "opioid": dict(sorted(opioid.items(), key=lambda kv: int(kv[0]))),
        "naltrexone": dict(sorted(naltrexone.items(), key=lambda kv: int(kv[0]))),
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

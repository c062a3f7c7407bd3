"""Citations for every finding, threshold default and counselling point.

Every source is a document a clinician can open and check: the naltrexone tablet label on
DailyMed (cited by section name: the label is in the old format, with no numbered sections),
a paper by its PubMed ID or DOI, a named guideline, a regulator's notice or register, or a
public dataset. The one exception is a clinic policy: a default no published source sets,
which the clinic's lead clinician confirms locally. Such a source has no link.

A fact whose exact wording was only found on a secondary page (a label copy, a drug-guide
summary, a news report) cites the primary document it quotes and carries a ``verify`` note,
which the pages show, until someone checks it against that document. The secondary pages
are named only in the comments here, never in the product.

Keys are stable identifiers used by findings, settings, counselling and the vocabulary data
file; a few keep the name of the evidence first cited under them (``surgery_moser``,
``hdrx_dosing``) so that other branches and stored data still resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote_plus


class EvidenceKind(StrEnum):
    LABEL = "Product label"
    LABEL_CA = "Canadian product monograph"
    REGULATOR = "Regulator notice"
    TRIAL = "Trial"
    STUDY = "Published study"
    REVIEW = "Review"
    LETTER = "Journal letter"
    GUIDE = "Practice guidance"
    DATA = "Public dataset"
    POLICY = "Clinic policy: confirm locally"


# What a page shows next to a source whose wording has not been checked in the document.
VERIFY_LABEL = "Verify against the label"
VERIFY_TABLET_LABEL = "Verify against the tablet label"
VERIFY_PAPER = "Verify against the published paper"


@dataclass(frozen=True, slots=True)
class Link:
    """A further document behind a source, shown as a link after its title."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    kind: EvidenceKind
    title: str
    reference: str  # the full citation: section, journal, PMID, DOI, date
    url: str | None = None  # None only for a clinic policy
    also: tuple[Link, ...] = ()
    verify: str = ""  # one of the VERIFY_* notes, or "" when checked in the document

    @property
    def label(self) -> str:
        """Plain-text citation for chart notes."""
        note = f" ({self.verify.lower()})" if self.verify else ""
        return f"{self.kind}: {self.title}{note}"


# --- Identifiers (each as confirmed in the project's primary-source check) ---------------

DAILYMED_SETID = "f3305f0b-fb9e-4009-b28f-47fe9b1b618b"
DAILYMED_URL = f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={DAILYMED_SETID}"
# The tablet label is in the old (non-PLR) format: sections have names, never numbers.
LABEL_SECTIONS = (
    "INDICATIONS AND USAGE",
    "CONTRAINDICATIONS",
    "WARNINGS",
    "PRECAUTIONS",
    "DOSAGE AND ADMINISTRATION",
)
# openFDA record of the VIVITROL (extended-release injection) label: PLR format. Text that
# may come from it is never presented as the tablet label's.
VIVITROL_URL = "https://api.fda.gov/drug/label.json?search=openfda.brand_name:%22VIVITROL%22"
FDA_SLC_2013_URL = "https://www.fda.gov/Safety/MedWatch/SafetyInformation/ucm374896.htm"
LIVERTOX_URL = "https://ncbi.nlm.nih.gov/books/n/livertox/Naltrexone/"
LACTMED_URL = "https://www.ncbi.nlm.nih.gov/books/NBK501922/"
CDC_2022_URL = "https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm"


def pubmed(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def doi(value: str) -> str:
    return f"https://doi.org/{value}"


def pubmed_search(terms: str) -> str:
    """For a paper whose PMID and DOI could not be confirmed: search PubMed for its title."""
    return f"https://pubmed.ncbi.nlm.nih.gov/?term={quote_plus(terms)}"


def clinicaltrials(nct: str) -> str:
    return f"https://clinicaltrials.gov/study/{nct}"


FINAL_DOI = "10.1016/S2665-9913(23)00278-3"  # PMID 38258677 seen only via an aggregator
INNOVA_PROTOCOL_PMID = "34992118"
BESTED_PMID = "38226027"
YOUNGER_2013_DOI = "10.1002/art.37734"  # PMID not confirmed

FINAL_LINK = Link("FINAL 2024, Lancet Rheumatol (DOI)", doi(FINAL_DOI))
INNOVA_PROTOCOL_LINK = Link(
    "INNOVA protocol, BMJ Open 2022 (PMID 34992118)", pubmed(INNOVA_PROTOCOL_PMID)
)
BESTED_LINK = Link("Bested 2023, Pain Rep (PMID 38226027)", pubmed(BESTED_PMID))
HEGDE_LINK = Link("Hegde 2025 meta-analysis (DOI)", doi("10.1007/s11916-025-01411-1"))
YOUNGER_2013_LINK = Link("Younger 2013, Arthritis Rheum (DOI)", doi(YOUNGER_2013_DOI))


def _label(key: str, title: str, section: str, detail: str = "", *, verify: str = "") -> Source:
    """A fact from the naltrexone HCl tablet label on DailyMed, cited by section name."""
    if section not in LABEL_SECTIONS:
        raise ValueError(f"{key}: {section!r} is not a section of the tablet label")
    reference = (
        f"Naltrexone hydrochloride tablets, DailyMed setid {DAILYMED_SETID} (updated 1 Feb "
        f"2025), section {section}"
    )
    return Source(
        key,
        EvidenceKind.LABEL,
        title,
        f"{reference}. {detail}" if detail else f"{reference}.",
        DAILYMED_URL,
        verify=verify,
    )


def _policy(key: str, title: str, reference: str, also: tuple[Link, ...] = ()) -> Source:
    """A default no published source sets: the clinic confirms it locally. No link."""
    return Source(key, EvidenceKind.POLICY, title, reference, None, also)


_ALL = (
    # --- The naltrexone tablet label (DailyMed) ----------------------------------------
    _label(
        "label_contraindications",
        "Naltrexone tablet label: contraindicated in patients receiving opioid analgesics "
        "or dependent on opioids, including those maintained on methadone or buprenorphine",
        "CONTRAINDICATIONS",
        "Items 1 and 2.",
    ),
    # Items 3-5 were read from a DrugCentral copy of the label (adb7c4dc) and the REVIA
    # prescribing information of 10/2013 as reproduced on a drug-guide site, not from this
    # setid.
    _label(
        "label_contraindications_items_3_5",
        "Naltrexone tablet label: contraindicated in acute opioid withdrawal, after a failed "
        "naloxone challenge or a positive urine opioid screen, and with sensitivity to "
        "naltrexone",
        "CONTRAINDICATIONS",
        "Items 3 to 5; their wording was not read from this label version.",
        verify=VERIFY_LABEL,
    ),
    # Seen on a label-search site (prescriberpoint) and the REVIA 10/2013 text on a drug-guide
    # site; a sister generic label (RemedyRepack) gave only the start of the sentence.
    _label(
        "label_opioid_free",
        "Naltrexone tablet label: opioid-free (including tramadol) for at least 7-10 days "
        "after short-acting opioids",
        "DOSAGE AND ADMINISTRATION",
        "Section probable; the 7-10 day sentence was not read from this label version.",
        verify=VERIFY_LABEL,
    ),
    _label(
        "label_overdose",
        "Naltrexone tablet label: lower opioid tolerance and risk of fatal overdose after stopping",
        "WARNINGS",
        "'Vulnerability to Opioid Overdose'. The advice to tell family members is in the FDA "
        "safety labeling change for REVIA, October 2013.",
    ),
    _label(
        "label_emergency_pain",
        "Naltrexone tablet label: pain management in an emergency when the blockade must be "
        "overcome",
        "PRECAUTIONS",
        "General: 'When Reversal of Naltrexone Hydrochloride Blockade is Required for Pain "
        "Management'.",
    ),
    _label(
        "label_indications",
        "Naltrexone tablet label: indicated for alcohol dependence and opioid blockade only",
        "INDICATIONS AND USAGE",
    ),
    # The cirrhosis and renal sentences were read from a label copy (medlibrary.org,
    # naltrexone-hydrochloride-21, page 3, Precautions).
    _label(
        "label_hepatic_pk",
        "Naltrexone tablet label: exposure rises about 5- to 10-fold in cirrhosis",
        "PRECAUTIONS",
        "Hepatic impairment; read from a copy of the label, not this label version.",
        verify=VERIFY_LABEL,
    ),
    _label(
        "label_renal",
        "Naltrexone tablet label: caution in renal impairment",
        "PRECAUTIONS",
        "Renal impairment; read from a copy of the label, not this label version.",
        verify=VERIFY_LABEL,
    ),
    # REVIA wording first seen on secondary pages: docs/safety/source-provenance.md.
    _label(
        "label_pregnancy",
        "Naltrexone tablet label: no adequate studies in pregnancy; use only if the benefit "
        "justifies the risk",
        "PRECAUTIONS",
        "Pregnancy; the subsection was not read from this label version (quoted REVIA wording).",
        verify=VERIFY_LABEL,
    ),
    _label(
        "label_naloxone_cross",
        "Naltrexone tablet label: cross-sensitivity with naloxone is not known",
        "CONTRAINDICATIONS",
        "Item 5; not read from this label version.",
        verify=VERIFY_LABEL,
    ),
    # Current hepatotoxicity wording seen only in a label-derived safety summary
    # (weightwatchers.com/us/safety-info/naltrexone).
    _label(
        "label_hepatotoxicity",
        "Naltrexone tablet label: hepatitis and liver dysfunction reported; seek care for "
        "symptoms of acute hepatitis",
        "WARNINGS",
        "Hepatotoxicity; the current wording was not read from this label version. Liver "
        "injury is also summarised in NIH LiverTox.",
        verify=VERIFY_LABEL,
    ),
    # Seen in a patient summary of REVIA (pdrhealth.com); not read from the label.
    _label(
        "label_medical_id",
        "Naltrexone patient information: carry identification that you take naltrexone",
        "PRECAUTIONS",
        "Information for patients; not read from this label version.",
        verify=VERIFY_LABEL,
    ),
    # Mallinckrodt product page and the openFDA generic naltrexone record.
    _label(
        "label_precipitated_withdrawal",
        "Naltrexone tablet label: severe opioid withdrawal precipitated by accidental "
        "ingestion in opioid-dependent people",
        "WARNINGS",
        "Not read from this label version.",
        verify=VERIFY_LABEL,
    ),
    Source(
        "label_hepatic_versions",
        EvidenceKind.LABEL,
        "Acute hepatitis or liver failure: a contraindication in older naltrexone labels; the "
        "boxed hepatotoxicity warning was removed in the October 2013 label change",
        "REVIA label archived on DailyMed (February 2009), section CONTRAINDICATIONS; FDA "
        "MedWatch safety labeling changes for REVIA, October 2013 ('BOXED WARNING - "
        "removed'). The current label's hepatotoxicity wording was not read.",
        "https://dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=48058",
        (Link("FDA safety labeling change, REVIA, October 2013", FDA_SLC_2013_URL),),
        verify=VERIFY_LABEL,
    ),
    Source(
        "label_surmountable",
        EvidenceKind.LABEL,
        "Naltrexone label: the blockade is surmountable, and overcoming it with large opioid "
        "doses is dangerous",
        "FDA MedWatch safety labeling changes for REVIA, October 2013.",
        FDA_SLC_2013_URL,
    ),
    # The indication as the FDA announced it at approval (May 2018) and the maker's launch
    # notice repeated it; the label itself was not read here.
    Source(
        "label_lofexidine",
        EvidenceKind.LABEL,
        "LUCEMYRA (lofexidine) label: mitigation of opioid withdrawal symptoms to facilitate "
        "abrupt opioid discontinuation in adults; not a treatment for opioid use disorder",
        "LUCEMYRA (lofexidine) tablets, US prescribing information, section 1 INDICATIONS AND "
        "USAGE (US WorldMeds; FDA approval May 2018, for up to 14 days of treatment).",
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=LUCEMYRA",
        verify=VERIFY_LABEL,
    ),
    # --- VIVITROL label text: never presented as the tablet label's ----------------------
    # "For as long as two weeks" was first seen on secondary pages citing "the FDA label"
    # (docs/safety/source-provenance.md); the matching PLR subsection is VIVITROL's.
    Source(
        "label_switching",
        EvidenceKind.LABEL,
        "VIVITROL (extended-release naltrexone) label, not the tablet label: after methadone "
        "or buprenorphine, withdrawal is possible for as long as two weeks",
        "VIVITROL prescribing information, 'Switching from Buprenorphine and Methadone' "
        "(openFDA label record). The REVIA tablet prescribing information (2013), read from a "
        "copy, reports severe precipitated withdrawal on switching but gives no day count.",
        VIVITROL_URL,
        verify=VERIFY_TABLET_LABEL,
    ),
    # The tablet label's interaction wording was not retrieved; secondary pages (Renal & Urology
    # News monograph, rosheta.com) paraphrase it. VIVITROL's DRUG INTERACTIONS text was read
    # exactly from the openFDA record.
    Source(
        "label_opioid_products",
        EvidenceKind.LABEL,
        "VIVITROL label, not the tablet label: naltrexone antagonizes opioid-containing "
        "medicines such as cough and cold remedies, antidiarrheal preparations and opioid "
        "analgesics",
        "VIVITROL prescribing information, DRUG INTERACTIONS (openFDA label record).",
        VIVITROL_URL,
        verify=VERIFY_TABLET_LABEL,
    ),
    # --- Other labels and regulators ---------------------------------------------------
    # Read from a copy of the CPS monograph (rxmed.com).
    Source(
        "label_ca_agonist_antagonists",
        EvidenceKind.LABEL_CA,
        "REVIA Canadian product monograph: opioids include agonist-antagonists (butorphanol, "
        "nalbuphine, pentazocine)",
        "REVIA product monograph (DuPont), Health Canada Drug Product Database.",
        "https://health-products.canada.ca/dpd-bdpp/",
        verify=VERIFY_LABEL,
    ),
    Source(
        "fda_2018_cough",
        EvidenceKind.REGULATOR,
        "FDA Drug Safety Communication: opioid cough and cold medicines (11 Jan 2018)",
        "FDA requires labeling changes for prescription opioid cough and cold medicines.",
        "https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-"
        "fda-requires-labeling-changes-prescription-opioid-cough-and-cold",
    ),
    # The "chemically related to meperidine" sentence was first seen on a secondary page
    # quoting the Lomotil label (docs/safety/source-provenance.md).
    Source(
        "diphenoxylate_label",
        EvidenceKind.LABEL,
        "Lomotil (diphenoxylate and atropine) label: diphenoxylate is chemically related to "
        "the opioid meperidine",
        "Lomotil prescribing information (openFDA label record).",
        "https://api.fda.gov/drug/label.json?search=openfda.brand_name:%22Lomotil%22",
        verify=VERIFY_LABEL,
    ),
    # --- Datasets -------------------------------------------------------------------------
    Source(
        "cqf_valuesets",
        EvidenceKind.DATA,
        "CDC Opioid CDS FHIR value sets built from RxNorm (expansions 24 Feb 2025)",
        "CDC Opioid Prescribing Support implementation guide; cqframework/opioid-cds-r4 @ "
        "b29bdcbf, input/vocabulary/valueset/*.json.",
        "https://build.fhir.org/ig/cqframework/opioid-cds-r4/",
    ),
    Source(
        "cdc_mme",
        EvidenceKind.DATA,
        "CDC oral morphine milligram equivalent conversion factors (for analysis, not for "
        "clinical dose conversion)",
        "CDC Clinical Practice Guideline for Prescribing Opioids for Pain, MMWR Recomm Rep "
        "2022;71(No. RR-3); CDC MME conversion factor file (2017/2018); cqframework "
        "CDCMMEClinicalConversionFactors.cql.",
        CDC_2022_URL,
    ),
    # --- Opioid-like substances --------------------------------------------------------
    Source(
        "kratom_case_reports",
        EvidenceKind.TRIAL,
        "Case reports: naltrexone-precipitated withdrawal in kratom users",
        "Jarka and Gregoire, Ment Health Clin 2023;13:155 (PMC10337879); Jensen et al., Ment "
        "Health Clin 2021;11:220.",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10337879/",
    ),
    # Loperamide's gut-only action was seen on a consumer OTC page (knowyourotcs.org); no
    # source on a naltrexone interaction was found, so recording it is the clinic's choice.
    _policy(
        "loperamide_peripheral",
        "Loperamide is recorded for the prescriber, not treated as a stop: no source was "
        "found on whether it matters with naltrexone",
        "ldn-screen default; the lead clinician decides whether loperamide should block a start.",
    ),
    # --- Fibromyalgia trials and reviews -------------------------------------------------
    Source(
        "final_trial",
        EvidenceKind.TRIAL,
        "FINAL trial (Bruun et al. 2024): 6 mg daily, 99 women, no clear benefit on pain",
        "Lancet Rheumatol 2024;6(1):e31-e39, doi:10.1016/S2665-9913(23)00278-3; NCT04270877.",
        doi(FINAL_DOI),
    ),
    Source(
        "younger_2013",
        EvidenceKind.TRIAL,
        "Younger et al. 2013: 31 women, 4.5 mg, pain reduction 28.8% vs 18.0%",
        "Arthritis Rheum 2013;65(2):529-538, doi:10.1002/art.37734; NCT00568555.",
        doi(YOUNGER_2013_DOI),
    ),
    Source(
        "negative_trials",
        EvidenceKind.TRIAL,
        "Bested 2023, FINAL 2024 and INNOVA: no clear benefit over placebo on pain",
        "Bested et al., Pain Rep 2023;8(4):e1080, PMID 38226027; Bruun et al., Lancet "
        "Rheumatol 2024;6(1):e31-e39, doi:10.1016/S2665-9913(23)00278-3; INNOVA "
        "(Rodriguez-Freire et al.): results reported, citation not yet confirmed; protocol "
        "BMJ Open 2022;12(1):e055351, PMID 34992118. Meta-analysis: Hegde et al., Curr Pain "
        "Headache Rep 2025;29(1):96 (d = -0.34 against placebo).",
        pubmed(BESTED_PMID),
        (FINAL_LINK, INNOVA_PROTOCOL_LINK, HEGDE_LINK),
    ),
    Source(
        "hegde_2025",
        EvidenceKind.REVIEW,
        "Hegde et al. 2025 meta-analysis: fibromyalgia vs placebo d = -0.34",
        "Curr Pain Headache Rep 2025;29(1):96, doi:10.1007/s11916-025-01411-1.",
        doi("10.1007/s11916-025-01411-1"),
    ),
    Source(
        "trial_ages",
        EvidenceKind.TRIAL,
        "Fibromyalgia LDN trials enrolled adults only (FINAL: women aged 18-64)",
        "FINAL, NCT04270877; INNOVA, NCT04739995.",
        clinicaltrials("NCT04270877"),
        (Link("INNOVA registry record (NCT04739995)", clinicaltrials("NCT04739995")),),
    ),
    Source(
        "bruun_2020",
        EvidenceKind.TRIAL,
        "Dose-finding study (Bruun-Plesner et al. 2020): ED50 3.88 mg, ED95 5.40 mg",
        "Pain Med 2020;21(10):2253-2261, PMID 32068870, doi:10.1093/pm/pnaa001.",
        pubmed("32068870"),
    ),
    # The 37%/13% and 16%/3% figures come from a news report (empr.com) of the 2012 AAPM
    # abstract of what appears to be the Younger trial published in 2013.
    Source(
        "side_effects_trials",
        EvidenceKind.TRIAL,
        "Side effects in fibromyalgia trials: vivid dreams 37% vs 13% and headache 16% vs 3% "
        "on placebo (Younger trial); more vivid dreams and nausea in a meta-analysis",
        "Younger et al., conference abstract 2012 of the trial in Arthritis Rheum 2013;65(2):"
        "529-538, doi:10.1002/art.37734; Vatvani et al., Korean J Pain 2024;37(4):367-378, "
        "doi:10.3344/kjp.24202.",
        doi(YOUNGER_2013_DOI),
        (Link("Vatvani 2024 meta-analysis (DOI)", doi("10.3344/kjp.24202")),),
        verify=VERIFY_PAPER,
    ),
    Source(
        "fawcett_1997",
        EvidenceKind.STUDY,
        "Naltrexone oral liquid 1 mg/mL: stable 60 days at 4 °C, 30 days at 25 °C (Fawcett, "
        "Morgan & Woods 1997)",
        "Ann Pharmacother 1997;31(11):1291-1295, PMID 9391680, doi:10.1177/106002809703101102.",
        pubmed("9391680"),
    ),
    Source(
        "livertox",
        EvidenceKind.REVIEW,
        "NIH LiverTox: naltrexone (side effects at 50 mg include headache, sleep disturbance, "
        "anxiety, dizziness, nausea and diarrhoea; liver injury is rare)",
        "LiverTox: Clinical and Research Information on Drug-Induced Liver Injury, NIDDK; "
        "Naltrexone (last update 24 Mar 2020).",
        LIVERTOX_URL,
    ),
    # A LactMed copy (safeinbreastfeeding.com) and drugs.com's summary of the REVIA label.
    Source(
        "lactation_disagree",
        EvidenceKind.REVIEW,
        "Breastfeeding: sources disagree (label wording asks for a choice between nursing and "
        "the drug; LactMed finds minimal excretion)",
        "Drugs and Lactation Database (LactMed), NICHD, naltrexone record; Chan et al., J Hum "
        "Lact 2004;20(3):322-326, PMID 15296587, doi:10.1177/0890334404266881. The tablet "
        "label's PRECAUTIONS (Nursing Mothers) wording was not read.",
        LACTMED_URL,
        (Link("Chan 2004, J Hum Lact (PMID 15296587)", pubmed("15296587")),),
        verify=VERIFY_LABEL,
    ),
    # --- Guidelines and outcome measures -------------------------------------------------
    Source(
        "immpact_2008",
        EvidenceKind.REVIEW,
        "IMMPACT: 10-20% less pain is minimally important, 30% moderately important, "
        "50% substantial",
        "Dworkin et al., J Pain 2008;9(2):105-121, doi:10.1016/j.jpain.2007.09.005; Farrar et "
        "al., Pain 2001;94(2):149-158, PMID 11690728.",
        doi("10.1016/j.jpain.2007.09.005"),
        (Link("Farrar 2001, Pain (PMID 11690728)", pubmed("11690728")),),
    ),
    Source(
        "wolfe_2016",
        EvidenceKind.REVIEW,
        "2016 revised fibromyalgia diagnostic criteria (Wolfe et al. 2016): WPI, SSS, "
        "generalized pain, 3 months",
        "Semin Arthritis Rheum 2016;46:319-329. PMID and DOI not confirmed: the link searches "
        "PubMed for the title.",
        pubmed_search("2016 Revisions to the 2010/2011 fibromyalgia diagnostic criteria"),
    ),
    Source(
        "krebs_2009",
        EvidenceKind.REVIEW,
        "PEG 3-item scale (Krebs et al. 2009): pain, enjoyment of life, general activity; "
        "score = mean, 0-10",
        "J Gen Intern Med 2009;24(6):733-738, PMID 19418100, doi:10.1007/s11606-009-0981-1.",
        pubmed("19418100"),
    ),
    # Secondary text about the letter only; its wording was not read.
    Source(
        "aafp_2024",
        EvidenceKind.LETTER,
        "Letter, Am Fam Physician 2024: oral naltrexone is sold only as 50 mg tablets, so LDN "
        "is compounded, and insurance coverage is a problem",
        "Am Fam Physician 2024;109(2):105. PMID and DOI not confirmed: the link searches PubMed.",
        pubmed_search('low-dose naltrexone "Am Fam Physician"[Journal] 2024'),
        verify="Verify against the published letter",
    ),
    Source(
        "toljan_2018",
        EvidenceKind.REVIEW,
        "Toljan K, Vrooman B. Low-dose naltrexone (LDN): review of therapeutic utilization. "
        "Med Sci 2018;6(4):82 (ultra-low dose: below 1 microgram a day)",
        "Med Sci (Basel) 2018;6(4):82, doi:10.3390/medsci6040082.",
        doi("10.3390/medsci6040082"),
    ),
    # --- Perioperative: a peer-reviewed review; the number of days is clinic policy ------
    # Practice guides give 48 hours to 3 days (LDN Research Trust pharmacists Moser and
    # Dickson; a supplier's blog); the SPAQI consensus (Mayo Clin Proc 2021,
    # doi:10.1016/j.mayocp.2020.06.045) hold of 3-4 days for 50 mg was seen only on an AI
    # answer page.
    Source(
        "surgery_moser",
        EvidenceKind.REVIEW,
        "Perioperative naltrexone scoping review (Goel et al. 2024): guidelines advise "
        "stopping naltrexone before surgery whatever the dose; no LDN-specific hold time is "
        "published, so the number of days is clinic policy",
        "Anesthesiology 2024;141(2):388-399, doi:10.1097/ALN.0000000000005040.",
        doi("10.1097/ALN.0000000000005040"),
    ),
    # --- Clinic policies: no published source sets these defaults -------------------------
    # The schedules follow practice guides, not trials: a compounding pharmacy's protocol
    # (hdrx.com/ldn-dosing: 1.5 mg, 3 mg, 4.5 mg) and LDN Research Trust pharmacist guidance
    # (ldnresearchtrust.org, S. Dickson: 1 mg weekly steps, halve if side effects persist;
    # 0.5 mg every 2 weeks for sensitive patients).
    _policy(
        "hdrx_dosing",
        "Standard schedule: 1.5 mg, then 3 mg after about a week, then 4.5 mg (practice "
        "guidance; no trial compared schedules)",
        "ldn-screen default from compounding-pharmacy practice; the FINAL trial titrated to "
        "6 mg over 4 weeks, but its steps were not published in the sources checked.",
        (FINAL_LINK,),
    ),
    _policy(
        "ldnrt_sensitive",
        "Gentle schedule for sensitive patients: start 0.5 mg, add 0.5 mg every 2 weeks "
        "(LDN Research Trust practice guidance)",
        "ldn-screen default from LDN Research Trust pharmacist guidance, not a trial schedule.",
    ),
    _policy(
        "ldnrt_titration",
        "If side effects do not settle, halve the dose and titrate again more slowly (LDN "
        "Research Trust practice guidance)",
        "ldn-screen default from LDN Research Trust pharmacist guidance, not trial evidence.",
    ),
    # ldnresearchtrust.org: can-ldn-restore-thyroid-function; Hashimoto's Q&A page.
    _policy(
        "ldnrt_thyroid",
        "Thyroid hormone or Hashimoto's: gentle schedule and thyroid tests every 2-3 months "
        "(LDN Research Trust practice guidance; no trial evidence)",
        "ldn-screen default from LDN Research Trust guidance.",
    ),
    # ldnresearchtrust.org: when-start-and-stop-low-dose-naltrexone-ldn-and-after-surgery.
    _policy(
        "surgery_dickson",
        "Restart after surgery at the previous dose if off opioid painkillers within 2 weeks, "
        "otherwise titrate again (LDN Research Trust practice guidance)",
        "ldn-screen default from LDN Research Trust pharmacist guidance; no published study.",
    ),
    # A clinician's reference note (ifmsynergy.com, Y.H. Kim MD) on LDN in solid organ
    # transplant recipients.
    _policy(
        "transplant_note",
        "Transplant or long-term immunosuppression goes to prescriber review: LDN resources "
        "list it as a contraindication; the concern is theoretical, with no human reports",
        "ldn-screen default; co-manage with the transplant team.",
    ),
    # Bedtime dosing is what INNOVA used; the morning switch for vivid dreams is practice
    # guidance (hpimed.com, lavenderskyhealth.com) and a forum post.
    _policy(
        "policy_dose_timing",
        "Take once a day at bedtime, as in the INNOVA trial; move the dose to the morning if "
        "vivid dreams disturb sleep (morning dosing is practice guidance)",
        "ldn-screen default.",
        (INNOVA_PROTOCOL_LINK,),
    ),
    _policy(
        "review_point",
        "When to judge response: no guideline; the trials judged it after about 12 weeks",
        "ldn-screen default from trial durations: Younger 2013 (12 weeks), FINAL 2024 (12 "
        "weeks including titration), INNOVA (3-month endpoint).",
        (YOUNGER_2013_LINK, FINAL_LINK, INNOVA_PROTOCOL_LINK),
    ),
    _policy(
        "peg_by_analogy",
        "PEG change judged with the IMMPACT pain thresholds by analogy: Krebs 2009 defines "
        "no change threshold",
        "ldn-screen default; Dworkin et al., J Pain 2008; Krebs et al., J Gen Intern Med 2009.",
        (
            Link("IMMPACT, J Pain 2008 (DOI)", doi("10.1016/j.jpain.2007.09.005")),
            Link("Krebs 2009 (PMID 19418100)", pubmed("19418100")),
        ),
    ),
    _policy(
        "policy_long_acting_floor",
        "Opioid-free days after long-acting opioids: the tablet label gives no number, so the "
        "clinic keeps 14 days as the floor",
        "ldn-screen clinic policy for the lead clinician to confirm; the label warns of severe "
        "precipitated withdrawal when switching from methadone or buprenorphine.",
    ),
    _policy(
        "policy_unknown_is_review",
        "An unknown answer is never read as 'no': it goes to prescriber review",
        "ldn-screen safety default.",
    ),
    _policy(
        "policy_surgery_window",
        "How close to the planned start a planned operation triggers review (no published source)",
        "ldn-screen admin setting; the clinic's lead clinician decides the number.",
    ),
    _policy(
        "policy_diagnosis_criteria",
        "What unmet 2016 criteria lead to: no published source; the clinic decides",
        "ldn-screen admin setting; INNOVA enrolled by the ACR 2016 criteria, FINAL by ACR 1990.",
    ),
    _policy(
        "policy_baseline_zero",
        "A percentage change cannot be worked out from a baseline of 0",
        "ldn-screen: arithmetic; no source defines a response from a pain-free baseline.",
    ),
    _policy(
        "policy_severe_side_effect",
        "No source grades severe side effects of LDN, so a severe one goes to the prescriber",
        "ldn-screen safety default.",
    ),
    _policy(
        "policy_followup_safety_first",
        "At follow-up, possible symptoms of acute hepatitis stop LDN until the prescriber has "
        "reviewed them (clinic precaution; the label asks patients to seek care)",
        "ldn-screen safety policy for the lead clinician to confirm; naltrexone label, "
        "WARNINGS (hepatotoxicity).",
    ),
    _policy(
        "policy_diagnosis",
        "The trials enrolled people with a confirmed fibromyalgia diagnosis",
        "ldn-screen default; FINAL used the ACR 1990 criteria, INNOVA the ACR 2016 criteria.",
        (FINAL_LINK, INNOVA_PROTOCOL_LINK),
    ),
    _policy(
        "clinic_details",
        "Entered by the clinic's administrator",
        "ldn-screen admin settings.",
    ),
    _policy(
        "translation_review",
        "A named reviewer signs off each translation of the counselling sheet before it is "
        "offered as reviewed",
        "ldn-screen translation policy, after the CMS Toolkit for Making Written Material Clear "
        "and Effective, Part 11 (culturally appropriate translation), and NSW Multicultural "
        "Health Communication Service, Can we just check it? (2019).",
    ),
    _policy(
        "policy_medication_list",
        "The pasted medication list is read for opioids and checked against the answers",
        "ldn-screen medication matcher; vocabulary from the CDC opioid value sets and labels.",
    ),
    # --- Curated opioid vocabulary (data/opioids.toml): registers a clinician can check ----
    Source(
        "ismp_abbreviations",
        EvidenceKind.GUIDE,
        "ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations: MS, MSO4 "
        "(morphine), DTO (opium tincture), T3 (Tylenol with codeine No. 3), DPT",
        "Institute for Safe Medication Practices, 2021 list.",
        "https://www.ismp.org/recommendations/error-prone-abbreviations-list",
    ),
    Source(
        "nida_drug_charts",
        EvidenceKind.GUIDE,
        "NIDA drug charts: street names of prescription opioids (e.g. Vike, Dillies, Demmies, "
        "Captain Cody, Amidone)",
        "National Institute on Drug Abuse, Commonly Used Drugs Charts.",
        "https://nida.nih.gov/research-topics/commonly-used-drugs-charts",
    ),
    Source(
        "dea_drugs_of_abuse",
        EvidenceKind.GUIDE,
        "DEA Drugs of Abuse resource guide: oxycodone slang (Hillbilly Heroin, OC, Oxy, Perc, "
        "Roxy)",
        "U.S. Drug Enforcement Administration, Drugs of Abuse: A DEA Resource Guide, "
        "narcotics section (oxycodone).",
        "https://www.dea.gov/",
    ),
    _policy(
        "clinical_shorthand",
        "Clinical shorthand for opioid products (no published list): read on the safer side",
        "ldn-screen curated list: each entry is a listed ingredient or brand cut short or "
        "joined to APAP; ambiguous ones ask the clinician to confirm.",
    ),
    # Vetergesic and Simbadol as described in Watanabe et al., BMC Vet Res 2018;14:304.
    Source(
        "vet_labels",
        EvidenceKind.LABEL,
        "Veterinary opioid products: butorphanol (Torbugesic, Torbutrol, Dolorex) and "
        "buprenorphine (Vetergesic)",
        "FDA CVM Freedom of Information summary NADA 141-047 (Torbugesic-SA), Animal Drugs @ "
        "FDA; Watanabe et al., BMC Vet Res 2018;14:304.",
        "https://animaldrugsatfda.fda.gov/",
    ),
    Source(
        "uk_dmd",
        EvidenceKind.DATA,
        "NHS Dictionary of medicines and devices (dm+d) and BNF: UK product names",
        "NHSBSA dm+d browser; British National Formulary.",
        "https://services.nhsbsa.nhs.uk/dmd-browser/",
        (Link("BNF", "https://bnf.nice.org.uk/"),),
    ),
    Source(
        "mhra_pholcodine_2023",
        EvidenceKind.REGULATOR,
        "MHRA: pholcodine cough and cold medicines withdrawn from the UK market (14 Mar 2023)",
        "MHRA Drug Safety Update, March 2023; product list incl. Galenphol and Cofsed linctus "
        "(PL 00240/0097, 0101-0103).",
        "https://www.gov.uk/drug-safety-update",
    ),
    Source(
        "ca_dpd",
        EvidenceKind.DATA,
        "Health Canada Drug Product Database: Canadian product names and monographs",
        "Health Canada Drug Product Database.",
        "https://health-products.canada.ca/dpd-bdpp/",
    ),
    Source(
        "au_artg",
        EvidenceKind.DATA,
        "Australian Register of Therapeutic Goods and PBS: Australian product names",
        "TGA Australian Register of Therapeutic Goods; Pharmaceutical Benefits Scheme.",
        "https://www.tga.gov.au/resources/artg",
        (Link("PBS", "https://www.pbs.gov.au/"),),
    ),
    Source(
        "in_cdsco",
        EvidenceKind.DATA,
        "Central Drugs Standard Control Organisation (India): approved and banned medicines",
        "CDSCO lists of approved drugs and of banned fixed-dose combinations.",
        "https://cdsco.gov.in/",
    ),
    Source(
        "za_sahpra",
        EvidenceKind.DATA,
        "South African Health Products Regulatory Authority: registered medicines",
        "SAHPRA medicine register (codeine products).",
        "https://www.sahpra.org.za/",
    ),
    Source(
        "non_opioid_vocabulary",
        EvidenceKind.DATA,
        "Known non-opioid medicines (RxNorm value sets and national formularies)",
        "RxNorm (US National Library of Medicine); NHS dm+d and BNF; Health Canada DPD; TGA ARTG.",
        "https://www.nlm.nih.gov/research/umls/rxnorm/index.html",
    ),
    # National registers for the international opioid vocabulary (opioids_international.toml).
    Source(
        "nz_medsafe",
        EvidenceKind.DATA,
        "Medsafe (New Zealand): product/application search and data sheets; NZ Gazette "
        "consent notices",
        "Medsafe product search; NZ Gazette notice 2024-go127.",
        "https://www.medsafe.govt.nz/regulatory/DbSearch.asp",
        (Link("NZ Gazette 2024-go127", "https://gazette.govt.nz/notice/id/2024-go127"),),
    ),
    Source(
        "us_fda_labels",
        EvidenceKind.DATA,
        "FDA-listed US product labels (DailyMed) and Drugs@FDA, incl. discontinued brands",
        "DailyMed; Drugs@FDA.",
        "https://dailymed.nlm.nih.gov/",
        (Link("Drugs@FDA", "https://www.accessdata.fda.gov/scripts/cder/daf/"),),
    ),
)

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}


def source(key: str) -> Source:
    """Return the citation for ``key``; an unknown key is a programming error."""
    return SOURCES[key]

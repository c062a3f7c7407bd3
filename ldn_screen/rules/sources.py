"""Citations for every finding, threshold default and counselling point.

Each entry names the evidence as the project's clinical reference records it
(../shared/clinical-reference.md). The tag says what kind of evidence it is, so a
clinician can weigh a label sentence differently from a pharmacist's guide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EvidenceKind(StrEnum):
    LABEL = "Product label"
    LABEL_CA = "Canadian product monograph"
    SECONDARY = "Secondary summary of the label"
    TRIAL = "Trial"
    REVIEW = "Review"
    GUIDE = "Practice guidance"
    DATA = "Public dataset"
    SEED = "Seed article"
    POLICY = "Clinic policy default"


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    kind: EvidenceKind
    title: str
    reference: str

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.title}"


_DAILYMED = "DailyMed setid f3305f0b-fb9e-4009-b28f-47fe9b1b618b (updated 1 Feb 2025)"

_ALL = (
    Source(
        "label_contraindications",
        EvidenceKind.LABEL,
        "Naltrexone HCl 50 mg tablets, Contraindications 1-5",
        f"{_DAILYMED}; DrugCentral label adb7c4dc; ReVia PI rev. 10/2013",
    ),
    Source(
        "label_opioid_free",
        EvidenceKind.LABEL,
        "Naltrexone label: opioid-free (including tramadol) for at least 7-10 days "
        "after short-acting opioids",
        # The old-format tablet label has no numbered sections: cite the section by name.
        f"{_DAILYMED}, DOSAGE AND ADMINISTRATION; ReVia PI rev. 10/2013 "
        "(verify the 7-10 day sentence against the current label)",
    ),
    Source(
        "label_switching",
        EvidenceKind.SECONDARY,
        "Naltrexone label: switching from methadone or buprenorphine, withdrawal "
        "possible for as long as two weeks",
        "ReVia PI rev. 10/2013 (first sentence); 'two weeks' via secondary pages citing "
        "the FDA label (droracle.ai 762124, 666104)",
    ),
    Source(
        "label_precipitated_withdrawal",
        EvidenceKind.LABEL,
        "Naltrexone label: severe precipitated opioid withdrawal",
        "Mallinckrodt naltrexone 50 mg product page; openFDA naltrexone label",
    ),
    Source(
        "label_overdose",
        EvidenceKind.LABEL,
        "Naltrexone label: lower opioid tolerance and overdose risk after stopping",
        "FDA MedWatch Safety Labeling Changes, ReVia, Oct 2013",
    ),
    Source(
        "label_surmountable",
        EvidenceKind.LABEL,
        "Naltrexone label: the blockade is surmountable, and overcoming it is dangerous",
        "FDA MedWatch SLC Oct 2013; PDR patient summary for ReVia",
    ),
    Source(
        "label_emergency_pain",
        EvidenceKind.LABEL,
        "Naltrexone label: emergency pain management in blocked patients",
        "Naltrexone HCl label, Precautions (medlibrary.org naltrexone-hydrochloride-21 p.3)",
    ),
    Source(
        "label_medical_id",
        EvidenceKind.LABEL,
        "Naltrexone patient information: carry identification",
        "PDR patient summary for ReVia",
    ),
    Source(
        "label_opioid_products",
        EvidenceKind.SECONDARY,
        "Naltrexone label interactions: opioid cough, cold and antidiarrhoeal products",
        "Renal & Urology News naltrexone monograph; rosheta.com ReVia (paraphrase)",
    ),
    Source(
        "label_hepatic_versions",
        EvidenceKind.LABEL,
        "Acute hepatitis or liver failure: contraindicated in older labels, a warning "
        "since the Oct 2013 label change",
        "Mallinckrodt product page; DailyMed ReVia archive Feb 2009; FDA MedWatch SLC Oct 2013",
    ),
    Source(
        "label_hepatic_pk",
        EvidenceKind.LABEL,
        "Naltrexone label: exposure rises about 5- to 10-fold in cirrhosis",
        "Naltrexone HCl label, Precautions (medlibrary.org naltrexone-hydrochloride-21 p.3)",
    ),
    Source(
        "label_renal",
        EvidenceKind.LABEL,
        "Naltrexone label: caution in renal impairment",
        "Naltrexone HCl label, Precautions (medlibrary.org naltrexone-hydrochloride-21 p.3)",
    ),
    Source(
        "label_pregnancy",
        EvidenceKind.LABEL,
        "Naltrexone label: no adequate studies in pregnancy; use only if benefit justifies risk",
        "ReVia label text (drugs.com/pregnancy/naltrexone.html; motherfigure.com)",
    ),
    Source(
        "lactation_disagree",
        EvidenceKind.SECONDARY,
        "Breastfeeding: sources disagree (label summary advises a decision; LactMed "
        "finds minimal excretion)",
        "drugs.com/pregnancy/naltrexone.html; LactMed copy (safeinbreastfeeding.com); "
        "Chan et al. J Hum Lact 2004;20:322",
    ),
    Source(
        "label_naloxone_cross",
        EvidenceKind.LABEL,
        "Naltrexone label: cross-sensitivity with naloxone is not known",
        f"{_DAILYMED}; Contraindication 5",
    ),
    Source(
        "label_ca_agonist_antagonists",
        EvidenceKind.LABEL_CA,
        "ReVia monograph: opioids include agonist-antagonists (butorphanol, nalbuphine, "
        "pentazocine)",
        "REVIA Canadian product monograph (CPS, DuPont), rxmed.com",
    ),
    Source(
        "fda_2018_cough",
        EvidenceKind.LABEL,
        "FDA Drug Safety Communication: opioid cough and cold medicines (11 Jan 2018)",
        "fda.gov drug safety communication, 11 Jan 2018",
    ),
    Source(
        "cqf_valuesets",
        EvidenceKind.DATA,
        "CDC Opioid CDS FHIR value sets built from RxNorm (expansions 24 Feb 2025)",
        "cqframework/opioid-cds-r4 @ b29bdcbf, input/vocabulary/valueset/*.json",
    ),
    Source(
        "cdc_mme",
        EvidenceKind.DATA,
        "CDC oral morphine milligram equivalent conversion factors (2017/2018)",
        "CDC opioid oral MME conversion factors file; cqframework "
        "CDCMMEClinicalConversionFactors.cql",
    ),
    Source(
        "kratom_case_reports",
        EvidenceKind.TRIAL,
        "Case reports: naltrexone-precipitated withdrawal in kratom users",
        "Jarka & Gregoire, Ment Health Clin 2023;13:155; Jensen et al., Ment Health Clin "
        "2021;11:220",
    ),
    Source(
        "loperamide_peripheral",
        EvidenceKind.SECONDARY,
        "Loperamide acts on gut opioid receptors; no source found on a naltrexone interaction",
        "knowyourotcs.org loperamide; clinical reference section 5b item 3",
    ),
    Source(
        "diphenoxylate_label",
        EvidenceKind.SECONDARY,
        "Diphenoxylate label: chemically related to meperidine",
        "droracle.ai 876576 (quoting the Lomotil label)",
    ),
    Source(
        "seed",
        EvidenceKind.SEED,
        "Low Dose Naltrexone for Fibromyalgia Pain - Use it or Lose it? (4 Dec 2025)",
        "shared/seed/000_ec4ed76e6665128f.txt, summarising a Medscape review",
    ),
    Source(
        "label_indications",
        EvidenceKind.LABEL,
        "Naltrexone label indications: alcohol dependence and opioid blockade only",
        f"{_DAILYMED}",
    ),
    Source(
        "aafp_2024",
        EvidenceKind.SECONDARY,
        "AAFP letter: oral naltrexone comes only as 50 mg tablets, so LDN is compounded",
        "Am Fam Physician 2024;109(2):105",
    ),
    Source(
        "ldnrt_titration",
        EvidenceKind.GUIDE,
        "LDN Research Trust (S. Dickson): start 1 mg, +1 mg weekly; halve the dose if "
        "side effects persist",
        "ldnresearchtrust.org: "
        "can-you-talk-through-starting-dose-and-titration-low-dose-naltrexone-ldn",
    ),
    Source(
        "ldnrt_sensitive",
        EvidenceKind.GUIDE,
        "LDN Research Trust: sensitive patients start 0.5 mg, +0.5 mg every 2 weeks",
        "ldnresearchtrust.org: "
        "can-you-talk-through-starting-dose-and-titration-low-dose-naltrexone-ldn",
    ),
    Source(
        "hdrx_dosing",
        EvidenceKind.GUIDE,
        "Compounding pharmacy protocol: 1.5 mg, then 3 mg after about a week, then 4.5 mg",
        "hdrx.com/ldn-dosing",
    ),
    Source(
        "final_trial",
        EvidenceKind.TRIAL,
        "FINAL trial (Bruun et al. 2024): 6 mg daily, 99 women, no clear benefit on pain",
        "Lancet Rheumatol 2024;6:e31-e39, doi 10.1016/S2665-9913(23)00278-3; NCT04270877",
    ),
    Source(
        "younger_2013",
        EvidenceKind.TRIAL,
        "Younger et al. 2013: 31 women, 4.5 mg, pain reduction 28.8% vs 18.0%",
        "Arthritis Rheum 2013;65(2):529-38; NCT00568555",
    ),
    Source(
        "negative_trials",
        EvidenceKind.TRIAL,
        "Bested 2023, FINAL 2024 and INNOVA: no clear benefit over placebo on pain",
        "Pain Reports 2023;8:e1080; Lancet Rheumatol 2024;6:e31; INNOVA (Rodriguez-Freire et al.)",
    ),
    Source(
        "hegde_2025",
        EvidenceKind.REVIEW,
        "Hegde et al. 2025 meta-analysis: fibromyalgia vs placebo d = -0.34",
        "Curr Pain Headache Rep 2025;29:96",
    ),
    Source(
        "trial_ages",
        EvidenceKind.TRIAL,
        "Fibromyalgia LDN trials enrolled adults only (FINAL: women aged 18-64)",
        "FINAL, NCT04270877; INNOVA, NCT04739995",
    ),
    Source(
        "surgery_moser",
        EvidenceKind.GUIDE,
        "LDN Research Trust (Moser): stop LDN 3 days before surgery; sources range from "
        "48 hours to 3 days",
        "ldnresearchtrust.org: when-do-i-stop-low-dose-naltrexone-ldn-prior-surgery; "
        "ldndirect.com/blog/ldn-surgery",
    ),
    Source(
        "ldnrt_thyroid",
        EvidenceKind.GUIDE,
        "LDN Research Trust: Hashimoto's and thyroid hormone, go low and slow and check "
        "thyroid tests every 2-3 months",
        "ldnresearchtrust.org: can-ldn-restore-thyroid-function",
    ),
    Source(
        "transplant_note",
        EvidenceKind.GUIDE,
        "Transplant or immunosuppression: listed contraindication in LDN resources "
        "(theoretical; no human reports)",
        "ifmsynergy.com LDN in solid organ transplant recipients (Y.H. Kim MD)",
    ),
    Source(
        "fawcett_1997",
        EvidenceKind.REVIEW,
        "Naltrexone oral liquid 1 mg/mL (Fawcett, Morgan & Woods 1997)",
        "Ann Pharmacother 1997;31:1291",
    ),
    Source(
        "side_effects_trials",
        EvidenceKind.TRIAL,
        "Side effects in fibromyalgia trials: vivid dreams 37% vs 13%, headache 16% vs 3%",
        "Younger et al., AAPM 2012 abstract; meta-analysis Ann Med Surg 2025 (PMID 40337423)",
    ),
    Source(
        "seed_timing",
        EvidenceKind.SEED,
        "Take at night, or in the morning if vivid dreams disturb sleep",
        "shared/seed/000_ec4ed76e6665128f.txt; hpimed.com; lavenderskyhealth.com",
    ),
    Source(
        "livertox",
        EvidenceKind.REVIEW,
        "NIH LiverTox: naltrexone (rare clinically apparent liver injury)",
        "ncbi.nlm.nih.gov/books/n/livertox/Naltrexone (updated 24 Mar 2020)",
    ),
    Source(
        "review_point",
        EvidenceKind.TRIAL,
        "No guideline on when to judge response; trials ran about 12 weeks",
        "Younger 2013; FINAL 2024; INNOVA 3-month endpoint; Rupp et al. Pain Med 2023",
    ),
    Source(
        "immpact_2008",
        EvidenceKind.REVIEW,
        "IMMPACT: 10-20% less pain is minimally important, 30% moderately important, "
        "50% substantial",
        "Dworkin et al., J Pain 2008;9:105-121 (table at bandolier.org.uk); Farrar et al., "
        "Pain 2001;94:149",
    ),
    Source(
        "wolfe_2016",
        EvidenceKind.REVIEW,
        "2016 revised fibromyalgia diagnostic criteria (Wolfe et al. 2016): WPI, SSS, "
        "generalized pain, 3 months",
        "Semin Arthritis Rheum 2016;46:319-329; criteria table reproduced in J Rheum Dis",
    ),
    Source(
        "krebs_2009",
        EvidenceKind.REVIEW,
        "PEG 3-item scale (Krebs et al. 2009): pain, enjoyment of life, general activity; "
        "score = mean, 0-10",
        "J Gen Intern Med 2009;24(6):733-738, doi 10.1007/s11606-009-0981-1",
    ),
    Source(
        "peg_by_analogy",
        EvidenceKind.POLICY,
        "PEG change judged with the IMMPACT pain thresholds by analogy: Krebs 2009 defines "
        "no change threshold",
        "Clinical reference section 4b; Dworkin et al., J Pain 2008;9:105-121",
    ),
    Source(
        "bruun_2020",
        EvidenceKind.TRIAL,
        "Dose-finding study (Bruun et al. 2020): ED50 3.88 mg, ED95 5.40 mg",
        "Pain Med 2020;21:2253, PMID 32068870",
    ),
    Source(
        "label_hepatotoxicity",
        EvidenceKind.SECONDARY,
        "Naltrexone label (current): hepatitis and liver dysfunction reported; seek care "
        "for symptoms of acute hepatitis",
        "WW safety summary (label-derived), weightwatchers.com/us/safety-info/naltrexone; "
        "NIH LiverTox, naltrexone",
    ),
    Source(
        "surgery_dickson",
        EvidenceKind.GUIDE,
        "LDN Research Trust (Dickson): restart at the previous dose if off painkillers "
        "within 2 weeks, otherwise re-titrate",
        "ldnresearchtrust.org: when-start-and-stop-low-dose-naltrexone-ldn-and-after-surgery",
    ),
    Source(
        "seed_cost",
        EvidenceKind.SEED,
        "Compounded LDN costs about $20-100 a month (the seed gives $20-60 and $20-100)",
        "shared/seed/000_ec4ed76e6665128f.txt",
    ),
    Source(
        "policy_unknown_is_review",
        EvidenceKind.POLICY,
        "ldn-screen safety policy: an unknown answer is never read as 'no'",
        "ldn-screen design notes, section 4 (safety defaults)",
    ),
    Source(
        "policy_surgery_window",
        EvidenceKind.POLICY,
        "How far ahead a planned operation triggers review (no published source)",
        "ldn-screen admin setting; the clinic's lead clinician decides the number",
    ),
    Source(
        "policy_diagnosis_criteria",
        EvidenceKind.POLICY,
        "What unmet 2016 criteria lead to: no published source; the clinic decides",
        "ldn-screen admin setting; INNOVA enrolled by the ACR 2016 criteria, FINAL by ACR 1990",
    ),
    Source(
        "policy_baseline_zero",
        EvidenceKind.POLICY,
        "A percentage change cannot be worked out from a baseline of 0",
        "ldn-screen: arithmetic; no source defines a response from a pain-free baseline",
    ),
    Source(
        "policy_severe_side_effect",
        EvidenceKind.POLICY,
        "No source grades severe side effects of LDN, so a severe one goes to the prescriber",
        "ldn-screen design notes, section 4 (safety defaults)",
    ),
    Source(
        "policy_diagnosis",
        EvidenceKind.POLICY,
        "The trials enrolled people with a confirmed fibromyalgia diagnosis",
        "FINAL (ACR 1990 criteria); INNOVA (ACR 2016 criteria)",
    ),
    Source(
        "clinic_details",
        EvidenceKind.POLICY,
        "Entered by the clinic's administrator",
        "ldn-screen admin settings",
    ),
    Source(
        "policy_long_acting_floor",
        EvidenceKind.POLICY,
        "Opioid-free days after long-acting opioids: the tablet label gives no number, so the "
        "clinic keeps 14 days as the floor",
        "ldn-screen clinic policy for the lead clinician to confirm; the naltrexone label "
        "warns of severe precipitated withdrawal when switching from methadone or "
        "buprenorphine (ReVia PI rev. 10/2013)",
    ),
    Source(
        "policy_medication_list",
        EvidenceKind.POLICY,
        "The pasted medication list is read for opioids and checked against the answers",
        "ldn-screen medication matcher, vocabulary from the CDC opioid value sets and labels",
    ),
)

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}


def source(key: str) -> Source:
    """Return the citation for ``key``; an unknown key is a programming error."""
    return SOURCES[key]

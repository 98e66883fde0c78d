"""Build rules/lexicons/rare-diseases*.txt from the Orphanet nomenclature export.

    python tools/build_rare_disease_lexicon.py [../shared/data/orphanet-rare-diseases.tsv]

Reads the Orphadata export (CC BY 4.0; attribution in rules/lexicons/NOTICE) and writes:

- rules/lexicons/rare-diseases.txt: names matched case-insensitively (with lay short forms,
  possessive eponyms and plurals);
- rules/lexicons/rare-disease-acronyms.txt: all-capitals names and acronyms ("MELAS", "PKU"),
  matched case-sensitively so that "als" in running text or "Noma" the restaurant stay quiet.

`Category` rows are groupings, not diseases, and are skipped. Names that are ordinary words or
common conditions in practice (STOPLIST) are dropped: measured on the project's clean posts, they
only add false positives.
"""

from __future__ import annotations

import csv
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "orphanet-rare-diseases.tsv"
OUT_WORDS = ROOT / "rules" / "lexicons" / "rare-diseases.txt"
OUT_ACRONYMS = ROOT / "rules" / "lexicons" / "rare-disease-acronyms.txt"

# Orphanet names that are ordinary English, brand-like, or conditions too common (or too often
# named in general health posts) to single a person out.
STOPLIST = {
    "plague", "malaria", "cholera", "rabies", "tuberculosis", "tetanus", "typhoid", "diphtheria",
    "leprosy", "botulism", "preeclampsia", "pouchitis", "polycythemia", "endophthalmitis",
    "meningioma", "cleft palate", "cleft lip", "cleft lip and palate", "woolly hair", "noma",
    "xmen", "c syndrome", "pellagra", "listeriosis", "shigellosis", "psittacosis", "q fever",
    "chikungunya", "scleroderma", "sarcoidosis", "acromegaly", "hemophilia", "porphyria",
    "short stature", "obesity", "dextrocardia", "anotia", "microtia", "prolactinoma",
    "insulinoma", "neurofibroma", "thymoma", "glanders", "tularemia", "brucellosis",
    "nomas",  # also Spanish "nomás" ("just") with its accent folded
}

# Lay and short forms people write, mapped to the Orphanet name they stand for; a form whose
# target is missing from the export is skipped, so the list never invents a disease.
SHORT_FORMS = {
    "progeria": "Hutchinson-Gilford progeria syndrome",
    "brittle bone disease": "Osteogenesis imperfecta",
    "Duchenne": "Duchenne muscular dystrophy",
    "DMD": "Duchenne muscular dystrophy",
    "PKU": "Phenylketonuria",
    "NF1": "Neurofibromatosis type 1",
    "NF2": "Neurofibromatosis type 2",
    "Ewing sarcoma": "Skeletal Ewing sarcoma",
    "sickle cell disease": "Sickle cell anemia",
    "butterfly skin": "Dystrophic epidermolysis bullosa",
    "epidermolysis bullosa": "Dystrophic epidermolysis bullosa",
    "Tay-Sachs": "Tay-Sachs disease",
    "Prader-Willi": "Prader-Willi syndrome",
    "PWS": "Prader-Willi syndrome",
    "Huntington's": "Huntington disease",
    "Gaucher": "Gaucher disease",
    "Fabry": "Fabry disease",
    "Niemann-Pick": "Niemann-Pick disease type C",
    "HLHS": "Hypoplastic left heart syndrome",
    "CDH": "Congenital diaphragmatic hernia",
    "DIPG": "Diffuse intrinsic pontine glioma",
    "LAM": "Lymphangioleiomyomatosis",
    "MSUD": "Maple syrup urine disease",
    "CAH": "Classic congenital adrenal hyperplasia due to 21-hydroxylase deficiency",
    "FOP": "Fibrodysplasia ossificans progressiva",
    "XLH": "X-linked hypophosphatemia",
    "TSC": "Tuberous sclerosis complex",
    "TTP": "Thrombotic thrombocytopenic purpura",
}

# Well-known rare diseases missing from this (partial) export, written by the project, not derived
# from Orphanet: without them a story about a child with Rett syndrome would pass.
EXTRA = [
    "Rett syndrome", "Angelman syndrome", "amyotrophic lateral sclerosis", "ALS",
    "spinal muscular atrophy", "SMA", "Pompe disease", "Batten disease",
    "Creutzfeldt-Jakob disease", "progressive supranuclear palsy", "Alström syndrome",
    # rare conditions hospital stories name by their common names (the export holds only long
    # subtype names for some, and none of others)
    "moyamoya disease", "moyamoya", "heterotaxy syndrome", "heterotaxy", "DiGeorge syndrome",
    "22q11.2 deletion syndrome", "Guillain-Barré syndrome", "Dravet syndrome",
    "Lennox-Gastaut syndrome", "CDKL5 deficiency disorder", "hemophagocytic lymphohistiocytosis",
    "HLH", "anencephaly", "trisomy 18", "trisomy 13", "Edwards syndrome", "Patau syndrome",
    "transposition of the great arteries", "Wilms tumor", "aplastic anemia", "thalassemia major",
    "acute flaccid myelitis", "anti-NMDA receptor encephalitis", "tuberous sclerosis",
    "neurofibromatosis", "mesothelioma", "pheochromocytoma",
    "spontaneous coronary artery dissection", "VACTERL association", "locked-in syndrome",
    "Pierre Robin sequence", "cri du chat syndrome", "Wolf-Hirschhorn syndrome",
    "Sanfilippo syndrome", "Hunter syndrome", "Morquio syndrome", "adrenoleukodystrophy",
    "metachromatic leukodystrophy", "severe combined immunodeficiency", "SCID",
    "chronic granulomatous disease", "Ebstein anomaly", "truncus arteriosus",
    "total anomalous pulmonary venous return", "tricuspid atresia", "pulmonary atresia",
    "bladder exstrophy", "esophageal atresia", "tracheoesophageal fistula", "galactosemia",
    "urea cycle disorder", "hepatoblastoma", "atypical teratoid rhabdoid tumor", "chordoma",
    "Langerhans cell histiocytosis", "Diamond-Blackfan anemia", "Fanconi anemia",
    "paroxysmal nocturnal hemoglobinuria", "atypical hemolytic uremic syndrome",
    "hereditary angioedema", "primary ciliary dyskinesia", "pulmonary arterial hypertension",
    "alpha-1 antitrypsin deficiency", "Goldenhar syndrome", "Pfeiffer syndrome",
    "thanatophoric dysplasia", "transverse myelitis", "Stiff person syndrome",
    # Spanish names of rare conditions that are no eponym (eponyms get "síndrome de X" below)
    "epidermólisis bullosa", "fibrosis quística", "atrofia muscular espinal",
    "esclerosis lateral amiotrófica", "anemia de células falciformes", "hemofilia A",
    "hemofilia B", "distrofia muscular de Duchenne", "osteogénesis imperfecta",
]

# Qualifiers Orphanet puts in front of a name that people leave out when they write.
_PREFIXES = re.compile(r"^(?:isolated|classic|typical|non-syndromic|nonsyndromic)\s+", re.I)
_EPONYM = re.compile(r"^([A-Z][a-z]+(?:-[A-Z][a-z]+)*) (disease|syndrome|sarcoma|anomaly)$")
_SPANISH_HEAD = {"disease": "enfermedad", "syndrome": "síndrome", "sarcoma": "sarcoma",
                 "anomaly": "anomalía"}
_SPELLINGS = (("tumor", "tumour"), ("anemia", "anaemia"), ("leukemia", "leukaemia"),
              ("edema", "oedema"), ("esophag", "oesophag"), ("hemo", "haemo"))


LEXICONS = ROOT / "rules" / "lexicons"


@lru_cache(maxsize=2)
def _names_in(lexicon: str) -> frozenset[str]:
    """The names of one of rules/lexicons' name lists (tools/build_name_lexicons.py)."""
    lines = (LEXICONS / lexicon).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line and not line.startswith("#"))


def _a_given_name(term: str) -> bool:
    """"Amelia" (absent limbs) is far more often a girl's name in a post."""
    return " " not in term and term.lower() in _names_in("first-names.txt")


def _a_persons_name(eponyms: str) -> bool:
    """"Marshall-Smith", "Matthew-Wood": every part a known name, so "Marshall Smith" in a post
    is as likely a person as the syndrome."""
    known = _names_in("first-names.txt") | _names_in("last-names.txt")
    return all(part.lower() in known for part in eponyms.split("-"))


def _plural(term: str) -> str | None:
    if term.endswith("anomaly"):
        return term[:-1] + "ies"
    if re.search(r"(oma|tumor|tumour|cyst|defect|malformation)$", term):
        return term + "s"
    return None


def variants(name: str) -> set[str]:
    """A name and the forms people write it in: without qualifiers or comma-suffixed subtypes,
    eponyms with a possessive, British spellings, plurals."""
    forms = {name}
    base = name.split(",", 1)[0].strip()
    forms.add(base)
    forms.add(_PREFIXES.sub("", base))
    for form in list(forms):
        match = _EPONYM.match(form)
        if match:
            forms.add(f"{match.group(1)}'s {match.group(2)}")
            # Spanish posts name an eponym the Spanish way ("síndrome de Rett").
            forms.add(f"{_SPANISH_HEAD[match.group(2)]} de {match.group(1)}")
            # Two or more joined eponyms stand alone as the name ("Treacher Collins",
            # "Lesch-Nyhan"); one ("Hunter", "Batten") is too often a word or a name.
            if "-" in match.group(1) and not _a_persons_name(match.group(1)):
                forms.add(match.group(1))
        for us, gb in _SPELLINGS:
            if us in form.lower():
                forms.add(re.sub(us, gb, form, flags=re.I))
    for form in list(forms):
        plural = _plural(form)
        if plural:
            forms.add(plural)
    # Posts often carry typographic apostrophes ("Huntington’s"); normalisation keeps them.
    forms |= {f.replace("'", "\u2019") for f in forms if "'" in f}
    return {f for f in forms if len(f) >= 4}


def is_acronym(term: str) -> bool:
    """No lower-case letters: matched case-sensitively ("MELAS", "PMM2-CDG")."""
    return not any(ch.islower() for ch in term)


def build(source: Path) -> tuple[list[str], list[str]]:
    """Read the export; return (case-insensitive terms, case-sensitive acronyms)."""
    names: set[str] = set()
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["disorder_type"] == "Category":
                continue
            names.add(row["name"].strip())
    words: set[str] = set()
    acronyms: set[str] = set()
    for name in names:
        for form in variants(name):
            if form.lower() in STOPLIST or _a_given_name(form):
                continue
            (acronyms if is_acronym(form) else words).add(form if is_acronym(form) else
                                                          form.lower())
    for name in EXTRA:
        # An acronym is kept whatever its length ("ALS"): variants() drops short lower-case forms.
        for form in variants(name) | ({name} if is_acronym(name) else set()):
            (acronyms if is_acronym(form) else words).add(form if is_acronym(form) else
                                                          form.lower())
    lowered = {n.lower() for n in names}
    for short, target in SHORT_FORMS.items():
        if target.lower() not in lowered:
            print(f"skipped short form {short!r}: {target!r} is not in the export",
                  file=sys.stderr)
            continue
        (acronyms if is_acronym(short) else words).add(
            short if is_acronym(short) else short.lower())
    return sorted(words), sorted(acronyms)


def main(argv: list[str]) -> int:
    """Write the two lexicon files."""
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    words, acronyms = build(source)
    header = ("# Derived from the Orphanet nomenclature (Orphadata, CC BY 4.0): see NOTICE.\n"
              "# Generated by tools/build_rare_disease_lexicon.py; do not edit by hand.\n")
    OUT_WORDS.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    OUT_ACRONYMS.write_text(header + "\n".join(acronyms) + "\n", encoding="utf-8")
    print(f"{len(words)} terms, {len(acronyms)} acronyms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Build rules/lexicons/care-*.txt: the clinical vocabulary the disclosure rules match.

    pip install wordfreq           # build time only (the `lexicons` extra)
    python tools/build_clinical_lexicons.py [--data ../shared/data/clinical]

Reads the openly licensed word lists in ../shared/data/clinical/*.tsv (MeSH, ICD-10-CM,
Drugs@FDA, DrugBank Open Data, HCUP CCS, Disease Ontology, HL7; attribution in
rules/lexicons/NOTICE) and keeps what a reply to a review might say about someone's care:

- a one-word term as frequent as an everyday word (wordfreq Zipf >= COMMON_ZIPF: "cast",
  "delivery", "strain", "focus") is dropped: in a post it is more often the everyday word. The
  hand-written lay list (rules/lexicons/care-lay.txt) names the everyday words that are care
  ("surgery", "stitches", "chemo");
- a term of more than MAX_WORDS words or under 4 letters ("ALL", "MS"), with a digit, or
  with a word no one writes (Zipf 0: INN spellings such as "efavirenzum", rare genetic
  subtypes) is dropped, so the wheel stays small;
  a medication named by FDA (Drugs@FDA) is kept even if wordfreq has not seen it ("Ozempic");
- a term already in rules/lexicons/rare-diseases.txt is left to the rare-diagnosis rule.

Only the kept terms are written, lowercased, one per line; nothing of wordfreq's data is.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEXICONS = ROOT / "rules" / "lexicons"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "clinical"
COMMON_ZIPF = 4.0
MAX_WORDS = 3
# Output file -> (source file, classes it takes).
OUTPUTS = {
    "care-medications.txt": ("medications.tsv", {"medication"}),
    "care-conditions.txt": ("conditions.tsv", {"condition"}),
    "care-mental-health.txt": ("mental_health.tsv", {"mental_health", "substance_use"}),
    "care-procedures.txt": ("procedures.tsv", {"procedure", "test", "treatment"}),
    "care-settings.txt": ("care_settings.tsv", {"care_setting"}),
}
FDA_SOURCES = ("drugsatfda:", "fda-drug-db:")
# Source terms that read as something else in a reply, seen in social posts: kept out by hand.
STOPLIST = {
    "pain", "fever", "stress", "anxiety", "fatigue", "weakness", "wound", "injury", "injuries",
    "accident", "accidents", "fall", "falls", "burn", "burns", "bite", "bites", "cough",
    "vision", "hearing", "sleep", "memory", "recovery", "rest", "exercise", "diet", "walking",
    "counseling", "education", "nutrition", "massage", "music therapy", "art therapy",
    "dance therapy", "play therapy", "pet therapy", "humor", "prayer", "meditation", "yoga",
    "reading", "writing", "waiting", "help", "support", "safety", "patient", "patients",
    "hospitals", "clinic", "clinics", "office", "offices", "home", "homes", "school", "schools",
    "community", "family", "families", "center", "centers", "unit", "units", "room", "rooms",
    "ward", "wards", "lobby", "pharmacy", "pharmacies", "laboratory", "laboratories",
    "library", "libraries", "kitchen", "parking", "transport", "transportation", "ambulance",
    "ambulances", "shelter", "shelters", "prison", "prisons", "jail", "jails", "camp", "camps",
    "church", "churches", "gym", "spa", "hotel", "hotels", "restaurant", "restaurants",
    "vitamin", "vitamins", "sugar", "caffeine", "alcohol", "tobacco", "nicotine", "honey",
    "milk", "coffee", "tea", "chocolate", "cotton", "gold", "silver", "copper", "zinc",
    "calcium", "magnesium", "potassium", "sodium", "lead", "mercury", "sulfur", "carbon",
    "hydrogen", "nitrogen", "chlorine", "fluoride", "vinegar", "soap", "alpha", "beta",
    "delta", "gamma", "omega", "plan b", "ella", "allegra", "aleve", "alli", "lasix",
    "march", "may", "june", "april", "august", "grace", "hope", "joy", "faith", "chance",
    "blues", "mania", "panic", "phobia", "hysteria", "nostalgia", "grief", "mourning",
    "loneliness", "shyness", "jealousy", "anger", "boredom", "curiosity", "happiness",
    "attitude", "personality", "behavior", "behaviour", "habits", "habit", "motivation",
    "morale", "creativity", "intelligence", "emotions", "emotion", "mood", "temper",
    "healthy", "health", "aging", "ageing", "pregnancy", "birth", "death", "dying",
    "obesity", "overweight", "thinness", "smoking", "drinking", "gambling",
    "screening", "check", "checks", "tests", "test", "exam", "exams", "review", "reviews",
    "survey", "surveys", "interview", "interviews", "observation", "monitoring",
    "photography", "video", "radio", "television", "telephone", "internet", "computer",
}
_WORD = re.compile(r"[\w'’-]+")
_DIGIT = re.compile(r"\d")


def _zipf() -> object:
    from wordfreq import zipf_frequency

    return zipf_frequency


def keep(term: str, source: str, zipf: object, rare: set[str]) -> bool:
    """Whether a source term is a care word worth matching in a post."""
    words = _WORD.findall(term)
    lower = term.lower()
    if not words or len(words) > MAX_WORDS or _DIGIT.search(term) or lower in STOPLIST:
        return False
    if lower in rare or len(lower) < 4:  # short acronyms ("ALL", "MS") are everyday words
        return False
    frequency = zipf  # a callable (word, lang) -> float
    if len(words) == 1:
        value = frequency(lower, "en")  # type: ignore[operator]
        if value >= COMMON_ZIPF:
            return False
        return value > 0 or source.startswith(FDA_SOURCES)
    # Every word of a phrase is written somewhere; a phrase of everyday words is fine
    # ("heart attack"), the phrase is the evidence.
    return all(frequency(w.lower(), "en") > 0 for w in words)  # type: ignore[operator]


def build(data: Path) -> dict[str, list[str]]:
    """Kept terms per output file, lowercased and sorted."""
    zipf = _zipf()
    rare = set((LEXICONS / "rare-diseases.txt").read_text(encoding="utf-8").splitlines())
    out: dict[str, list[str]] = {}
    for name, (source_file, classes) in OUTPUTS.items():
        terms: set[str] = set()
        with (data / source_file).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["class"] in classes and keep(row["term"], row["source_id"], zipf, rare):
                    terms.add(row["term"].lower())
        out[name] = sorted(terms)
    return out


def main() -> None:
    """Write the lists and print their sizes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    sizes: Counter[str] = Counter()
    for name, terms in build(args.data).items():
        path = LEXICONS / name
        path.write_text("".join(t + "\n" for t in terms), encoding="utf-8")
        sizes[name] = len(terms)
        print(f"{name}: {len(terms)} terms, {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

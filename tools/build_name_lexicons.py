"""Build rules/lexicons/first-names.txt and last-names.txt from the public US name lists.

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


def main(argv: list[str] | None = None) -> int:
    """Write the two lexicon files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "names")
    args = parser.parse_args(argv)
    first, last = build(args.data)
    out = ROOT / "rules" / "lexicons"
    out.mkdir(parents=True, exist_ok=True)
    header = "# Derived by tools/build_name_lexicons.py from {}; public domain (see NOTICE).\n"
    (out / "first-names.txt").write_text(
        header.format("US Census 1990 first names and SSA baby names 1880-2017")
        + "\n".join(first) + "\n", encoding="utf-8")
    (out / "last-names.txt").write_text(
        header.format(f"the {LAST_TOP} most frequent US Census 1990 surnames")
        + "\n".join(last) + "\n", encoding="utf-8")
    print(f"first names: {len(first)}, surnames: {len(last)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

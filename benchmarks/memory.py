"""`python -m benchmarks.memory`: resident memory over a long scan of posts of unique text.

A scan of a large export sees new words in almost every post: names, handles, typos. spaCy adds
each new string to its vocabulary's string store and, outside a memory zone, never lets it go,
so a long scan grew by about 11 KB a post. This runs `check_many` with the default policy (NER
included) over generated posts whose words are all new, and prints the process's resident set
size (RSS) and the size of spaCy's string store every `--every` posts. `--no-zone` runs the same
with spaCy's memory zone turned off, the figure before the fix; `--no-reload` keeps the zone but
never reloads the pipeline, so spaCy's hash tables keep their tombstones (the steps that were
left after the zone; phiguard.detectors.pipelines).

    python -m benchmarks.memory                         # 200,000 posts, about 15 minutes
    python -m benchmarks.memory --posts 20000 --no-zone # before the fix, shorter
    python -m benchmarks.memory --trim                  # live memory, without the allocator's
                                                        # free pages

The posts are made here, never read from a corpus: seeded random words, names and numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import random
import string
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import phiguard
from phiguard.detectors import ner
from phiguard.detectors.pipelines import TOKEN_BUDGET, BoundedPipeline

_TEMPLATES = [
    "Thanks {Name} {Name} for the {word} {word} at {Town} today! #{word}{word}",
    "{Name} and {word} {word} came by the {word} ward, {Town} team {word} {num}.",
    "Shout out to {Name} from {Town}: {word} {word} {word} @{word}{num}",
    "{word} {word} {word} {word}. Visit {word}{word}.org or call ext {num}.",
]


def unique_posts(count: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """Posts whose invented words are (almost) all new: what a scan of a large export meets."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10)))

    for index in range(count):
        template = _TEMPLATES[index % len(_TEMPLATES)]
        text = template
        while "{" in text:
            text = (text.replace("{Name}", word().capitalize(), 1)
                    .replace("{Town}", word().capitalize() + "ville", 1)
                    .replace("{word}", word(), 1)
                    .replace("{num}", str(rng.randint(100, 99_999)), 1))
        yield {"id": f"m{index}", "text": text}


def rss_mb() -> float:
    """This process's resident set size, in MB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _without_zone(nlp: Any, zone: bool) -> Any:
    if not zone:
        nlp.memory_zone = lambda *_a, **_k: contextlib.nullcontext()
    return nlp


def run(posts: int, every: int, seed: int, zone: bool, trim: bool = False,
        reload: bool = True) -> list[dict[str, Any]]:
    """Check `posts` generated posts; one sample of memory every `every` posts.

    With `trim`, glibc's malloc_trim runs before each sample: RSS then shows live memory, not
    the free pages the allocator keeps after a peak."""
    policy = phiguard.Policy()
    if not zone or not reload:
        ner._MODELS[policy.model] = BoundedPipeline(
            lambda: _without_zone(ner._load(policy.model), zone),
            budget=TOKEN_BUDGET if reload else sys.maxsize)
    samples: list[dict[str, Any]] = []
    start = time.perf_counter()
    reports = phiguard.check_many(unique_posts(posts, seed), policy=policy, batch_size=64)
    for done, _report in enumerate(reports, start=1):
        if done % every == 0 or done == posts:
            if trim:
                ctypes.CDLL("libc.so.6").malloc_trim(0)
            sample = {"posts": done, "rss_mb": round(rss_mb(), 1),
                      "strings": len(ner.load_model(policy.model).vocab.strings),
                      "seconds": round(time.perf_counter() - start, 1)}
            samples.append(sample)
            print(json.dumps(sample), flush=True)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run, and print the growth between the first and last samples."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=10_000, help="posts between samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-zone", action="store_true",
                        help="turn spaCy's memory zone off (the behaviour before the fix)")
    parser.add_argument("--no-reload", action="store_true",
                        help="never reload the pipeline (the behaviour with the zone alone)")
    parser.add_argument("--trim", action="store_true",
                        help="return the allocator's free pages to the system before each "
                             "sample, to tell live memory from a high-water mark (glibc)")
    args = parser.parse_args(argv)
    samples = run(args.posts, max(1, args.every), args.seed, zone=not args.no_zone,
                  trim=args.trim, reload=not args.no_reload)
    first, last = samples[0], samples[-1]
    grown = last["rss_mb"] - first["rss_mb"]
    per_post = grown * 1024 / max(1, last["posts"] - first["posts"])
    print(f"RSS {first['rss_mb']} MB after {first['posts']} posts -> {last['rss_mb']} MB after "
          f"{last['posts']} ({grown:+.1f} MB, {per_post:.2f} KB a post); spaCy strings "
          f"{first['strings']} -> {last['strings']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

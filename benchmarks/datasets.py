"""Labelled datasets: the shared JSONL format, presidio-research JSON, and where to find them.

JSONL (../shared/data/README.md), one post per line:
    {"id": str, "text": str, "captions": [str],
     "phi": [{"field": "text"|"captions[i]", "start": int, "end": int, "text": str, "label": str}]}
Offsets are Python str indices into that field. Users can benchmark their own labelled posts in
this format with `python -m benchmarks accuracy --dataset my-posts.jsonl`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import ROOT, labels, shared_data_dir

POST_KEYS = ("kind", "in_reply_to", "posted_at", "channel")


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled or predicted span of one field. `letter` None means neutral (see labels.py)."""

    field: str
    start: int
    end: int
    label: str
    letter: str | None
    score: float = 1.0


@dataclass(frozen=True)
class LabelledPost:
    """One post with its gold spans."""

    id: str
    text: str
    captions: tuple[str, ...] = ()
    gold: tuple[Span, ...] = ()
    # Other phiguard.Post keys the record had (kind, posted_at, channel, in_reply_to).
    meta: tuple[tuple[str, Any], ...] = ()
    # social-dev's post-level labels: the group it tests and whether it must not pass.
    group: str | None = None
    should_block: bool | None = None

    def fields(self) -> list[tuple[str, str]]:
        """("text", ...), ("captions[0]", ...), ... as phiguard.Post.fields() names them."""
        return [("text", self.text), *((f"captions[{i}]", c) for i, c in enumerate(self.captions))]

    def as_post(self) -> dict[str, object]:
        """The post as phiguard.check accepts it."""
        return {"id": self.id, "text": self.text, "captions": list(self.captions),
                **dict(self.meta)}


@dataclass
class Dataset:
    """A named list of labelled posts and how its labels map to Safe Harbor letters."""

    name: str
    source: str
    posts: list[LabelledPost]
    table: dict[str, str | None] | None = None
    unknown_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Missing(Exception):
    """A dataset's file is absent; the message says where it was looked for."""


def _field_text(text: str, captions: list[str], name: str) -> str:
    if name == "text":
        return text
    if name.startswith("captions[") and name.endswith("]"):
        return captions[int(name[len("captions["):-1])]
    raise ValueError(f"unknown field {name!r}")


def read_jsonl(path: Path, name: str | None = None,
               table: dict[str, str | None] | None = None, limit: int | None = None) -> Dataset:
    """Read the shared JSONL format; every span's text must match its offsets."""
    if not path.is_file():
        raise Missing(f"{path} not found")
    mapper = labels.label_mapper(table)
    posts: list[LabelledPost] = []
    unknown: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if limit is not None and len(posts) >= limit:
                break
            raw = json.loads(line)
            text = raw.get("text") or ""
            captions = list(raw.get("captions") or [])
            gold = []
            for phi in raw.get("phi") or []:
                field_name = phi.get("field", "text")
                value = _field_text(text, captions, field_name)[phi["start"]:phi["end"]]
                if "text" in phi and phi["text"] != value:
                    raise ValueError(f"{path}:{number}: span {phi['start']}-{phi['end']} of "
                                     f"{field_name} does not match its 'text'")
                label = str(phi["label"])
                if not labels.is_known(label, table):
                    unknown.add(label)
                gold.append(Span(field_name, phi["start"], phi["end"], label,
                                 mapper(label, value)))
            meta = tuple((k, raw[k]) for k in POST_KEYS if raw.get(k) is not None)
            should_block = raw.get("should_block")
            posts.append(LabelledPost(str(raw.get("id", f"{path.stem}-{number}")), text,
                                      tuple(captions), tuple(gold), meta, raw.get("group"),
                                      bool(gold) if should_block is None else bool(should_block)))
    return Dataset(name or path.stem, str(path), posts, table, sorted(unknown))


def read_presidio_synth(path: Path, limit: int | None = None) -> Dataset:
    """Read presidio-research's JSON list of {full_text, spans: [{entity_type, ...}]}."""
    if not path.is_file():
        raise Missing(f"{path} not found")
    mapper = labels.label_mapper(labels.PRESIDIO_SYNTH)
    posts = []
    for index, raw in enumerate(json.loads(path.read_text(encoding="utf-8"))[:limit]):
        text = raw["full_text"]
        gold = tuple(
            Span("text", s["start_position"], s["end_position"], s["entity_type"],
                 mapper(s["entity_type"], text[s["start_position"]:s["end_position"]]))
            for s in raw["spans"])
        posts.append(LabelledPost(f"synth-{index}", text, (), gold))
    return Dataset("presidio-synth", str(path), posts, labels.PRESIDIO_SYNTH)


def own_posts_path() -> Path:
    """The project's own labelled post set (written by the unique-characteristics work)."""
    return ROOT / "benchmarks" / "data" / "posts.jsonl"


def fresh_measure_paths() -> list[Path]:
    """The fresh measuring sets (benchmarks/data/fresh-measure-*.jsonl): posts written by
    writers who saw neither social-dev nor the project, after the rules they measure; like
    social-dev's even half they are only measured, their errors never read."""
    return sorted((ROOT / "benchmarks" / "data").glob("fresh-measure-*.jsonl"))


Loader = Callable[[int | None], Dataset]


# The honest loop: each development corpus is split in two. Rules are tuned on the first half
# (errors may be read) and only measured on the second (its errors are never printed).
TUNE, MEASURE = "tune", "measure"


def social_half(post_id: str) -> str:
    """social-dev: odd ids tune, even ids measure."""
    return TUNE if int(post_id.rsplit("-", 1)[1]) % 2 else MEASURE


def physionet_half(post_id: str) -> str:
    """PhysioNet (ids 'p13-n2'): by patient, so one patient's notes stay in one half;
    patients 1, 5, 9 ... tune, 3, 7, 11 ... measure."""
    return TUNE if int(post_id.split("-", 1)[0].lstrip("p")) % 4 == 1 else MEASURE


def half(dataset: Dataset, which: str, split: Callable[[str], str]) -> Dataset:
    """The posts of one half of a dataset, named 'NAME:half'."""
    return Dataset(f"{dataset.name}:{which}", dataset.source,
                   [p for p in dataset.posts if split(p.id) == which], dataset.table,
                   dataset.unknown_labels, dataset.notes)


def builtin(data_dir: str | Path | None = None) -> dict[str, Loader]:
    """The datasets `accuracy` runs by default, by name, each a loader taking a post limit."""
    shared = shared_data_dir(data_dir)

    def social(which: str) -> Loader:
        return lambda limit: half(read_jsonl(shared / "social-dev.jsonl", "social-dev", None,
                                             limit), which, social_half)

    def physionet(which: str) -> Loader:
        return lambda limit: half(read_jsonl(shared / "physionet-deid-dev.jsonl", "physionet",
                                             labels.PHYSIONET, limit), which, physionet_half)

    def fresh(path: Path) -> Loader:
        return lambda limit: read_jsonl(path, path.stem, None, limit)

    return {
        "posts": lambda limit: read_jsonl(own_posts_path(), "posts", None, limit),
        "social-dev:tune": social(TUNE),
        "social-dev:measure": social(MEASURE),
        **{path.stem: fresh(path) for path in fresh_measure_paths()},
        "physionet:tune": physionet(TUNE),
        "physionet:measure": physionet(MEASURE),
        "presidio-synth": lambda limit: read_presidio_synth(shared / "presidio-synth-v2.json",
                                                            limit),
    }

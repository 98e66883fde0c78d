"""`python -m benchmarks accuracy`: phiguard and Presidio on the same labelled posts.

Systems, all run in the same process on the same posts:
  phiguard           phiguard.Policy(), whatever the installed default layers are
  phiguard-patterns  phiguard.Policy(layers=["patterns"]), the fast pattern-only policy
  presidio           Presidio's default AnalyzerEngine on the same spaCy model
  phiguard-clinical  Policy.clinical(), only on PhysioNet: the profile for chart notes
  phiguard-strict    Policy.strict(), only on PhysioNet, to count clinicians' names (HCPName)
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from benchmarks import ROOT, datasets, labels, metrics, report
from benchmarks.datasets import Dataset, LabelledPost, Span

RESULTS = ROOT / "benchmarks" / "results"


class System(Protocol):
    """Something that predicts lettered spans for labelled posts."""

    name: str

    def predict(self, posts: list[LabelledPost]) -> list[list[Span]]:
        """Predicted spans, one list per post."""
        ...


class PhiguardSystem:
    """phiguard with one policy; flagged findings are its predictions."""

    def __init__(self, name: str, policy: Any) -> None:
        self.name = name
        self.policy = policy

    def describe(self) -> dict[str, Any]:
        """The policy, for the results file."""
        return {"policy": self.policy.name, "layers": list(self.policy.layers)}

    def predict(self, posts: list[LabelledPost]) -> list[list[Span]]:
        """Run check_many (batches of 64) and keep each post's flagged findings."""
        import phiguard

        reports = list(phiguard.check_many([p.as_post() for p in posts], policy=self.policy,
                                           batch_size=64))
        # What the gate decided for each post, for the post-level figures (verdicts()).
        self.last_verdicts = [r.verdict for r in reports]
        return [[Span(f.field, f.start, f.end, f.entity, f.identifier.value)
                 for f in r.findings if f.status == "flagged" and f.end > f.start]
                for r in reports]


def phiguard_systems(include: Sequence[str]) -> list[PhiguardSystem]:
    """The default and the pattern-only policy, as installed at run time."""
    import phiguard

    systems = []
    if "phiguard" in include:
        systems.append(PhiguardSystem("phiguard", phiguard.Policy()))
    if "phiguard-patterns" in include:
        systems.append(PhiguardSystem("phiguard-patterns", phiguard.Policy(layers=["patterns"])))
    return systems


def _profiles_for(dataset: Dataset, systems: Sequence[str],
                  results: dict[str, Any]) -> list[PhiguardSystem]:
    """Clinical notes also run under Policy.clinical(), the profile phiguard offers for charts
    (every date finer than a year and every place counts), beside the social default."""
    import phiguard

    clinical = getattr(phiguard.Policy, "clinical", None)
    if dataset.table is not labels.PHYSIONET or "phiguard" not in systems or clinical is None:
        return []
    system = PhiguardSystem("phiguard-clinical", clinical())
    results["systems"][system.name] = system.describe()
    return [system]


def strict_policy() -> Any | None:
    """The policy that flags clinicians' names, if this phiguard has one."""
    import phiguard

    strict = getattr(phiguard.Policy, "strict", None)
    return strict() if callable(strict) else None


SYSTEMS = ("phiguard", "phiguard-patterns", "presidio")


def run(names: Sequence[str] | None = None, extra: Sequence[Path] = (),
        data_dir: str | Path | None = None, limit: int | None = None,
        systems: Sequence[str] = SYSTEMS, out: Path = RESULTS, docs: bool = False,
        presidio_threshold: float = 0.5, log: Any = None) -> dict[str, Any]:
    """Load each dataset, run each system on it, score, and write results and tables.

    `presidio_threshold` adds a row of the same Presidio results kept only at or above that
    score (0 or None: no such row)."""
    log = log or sys.stderr
    found, skipped = _load(names, extra, data_dir, limit, log)
    if docs and (skipped or names or limit):
        # docs/benchmarks.md holds the whole picture or nothing new: a partial run must not
        # overwrite it with one dataset's tables.
        why = (f"datasets were skipped ({', '.join(skipped)})" if skipped
               else "--only or --limit makes it a partial run")
        raise SystemExit(f"accuracy: refusing --update-docs: {why}; results are in {out}")

    runners: list[Any] = list(phiguard_systems(systems))
    if "presidio" in systems and found:
        from benchmarks.presidio_baseline import PresidioSystem

        runners.append(PresidioSystem())
    results: dict[str, Any] = {"machine": report.machine(), "skipped": skipped, "datasets": {},
                               "systems": {s.name: getattr(s, "describe", dict)()
                                           for s in runners}}
    for dataset in found:
        print(f"accuracy: {dataset.name}: {len(dataset.posts)} posts", file=log)
        entry = _dataset_entry(dataset)
        predictions: dict[str, list[list[Span]]] = {}
        for system in runners + _profiles_for(dataset, systems, results):
            _score_system(system, dataset, entry, predictions, presidio_threshold, log)
        if any(p.should_block is not None for p in dataset.posts):
            entry["gate"] = {name: gate_figures(dataset.posts, _verdicts(system, predictions))
                             for system in runners
                             for name in [system.name] if name in predictions}
        results["datasets"][dataset.name] = entry
        if dataset.table is labels.PHYSIONET and dataset.posts:
            _clinicians(dataset, predictions, results, log)
    report.publish("accuracy", results, render, draw, out, docs, bool(results["datasets"]),
                   log)
    return results


def _load(names: Sequence[str] | None, extra: Sequence[Path], data_dir: str | Path | None,
          limit: int | None, log: Any) -> tuple[list[Dataset], dict[str, str]]:
    """The datasets asked for (all built-in ones by default), and why any were skipped."""
    loaders = datasets.builtin(data_dir)
    wanted = list(names) if names else list(loaders)
    found: list[Dataset] = []
    skipped: dict[str, str] = {}
    for name in wanted:
        if name not in loaders:
            raise SystemExit(f"unknown dataset {name!r}; known: {', '.join(loaders)} "
                             "(or pass a JSONL file with --dataset)")
        try:
            found.append(loaders[name](limit))
        except datasets.Missing as exc:
            skipped[name] = f"skipped: {exc}"
            print(f"accuracy: dataset {name} {skipped[name]}", file=log)
    for path in extra:
        found.append(datasets.read_jsonl(Path(path), limit=limit))
    return found, skipped


def _score_system(system: Any, dataset: Dataset, entry: dict[str, Any],
                  predictions: dict[str, list[list[Span]]], presidio_threshold: float,
                  log: Any) -> None:
    """Run one system on a dataset: its predictions, and its figures (or failure) in `entry`."""
    try:
        # Warm up (build the pipeline, load the model) so `seconds` is checking time.
        system.predict(dataset.posts[:1])
        start = time.perf_counter()
        predictions[system.name] = system.predict(dataset.posts)
    except Exception as exc:  # noqa: BLE001 - one broken system must not hide others
        entry["failed"][system.name] = f"{type(exc).__name__}: {str(exc)[-300:]}"
        print(f"accuracy:   {system.name} failed: {entry['failed'][system.name]}", file=log)
        return
    seconds = time.perf_counter() - start
    entry["results"][system.name] = metrics_entry(dataset.posts, predictions[system.name],
                                                  seconds)
    print(f"accuracy:   {system.name}: {seconds:.1f}s", file=log)
    if system.name == "presidio" and presidio_threshold:
        # The same run's results above a score threshold, as a user might configure it.
        name = f"presidio@{presidio_threshold:g}"
        predictions[name] = [[s for s in spans if s.score >= presidio_threshold]
                             for spans in predictions["presidio"]]
        entry["results"][name] = metrics_entry(dataset.posts, predictions[name], seconds)


def _verdicts(system: Any, predictions: dict[str, list[list[Span]]]) -> list[bool]:
    """Whether the system stopped each post: phiguard's verdict is not `pass`; Presidio, which
    has no verdict, stops a post when it reports any entity with a Safe Harbor letter."""
    verdicts = getattr(system, "last_verdicts", None)
    if verdicts is not None:
        return [v != "pass" for v in verdicts]
    return [any(s.letter is not None for s in spans) for spans in predictions[system.name]]


def gate_figures(posts: list[LabelledPost], stopped: list[bool]) -> dict[str, dict[str, int]]:
    """Per group (and 'all'): PHI posts and how many were stopped; clean posts and how many
    passed."""
    figures: dict[str, dict[str, int]] = {}
    for post, stop in zip(posts, stopped, strict=True):
        for group in ("all", post.group or "other"):
            counts = figures.setdefault(group, {"phi": 0, "gated": 0, "clean": 0, "passed": 0})
            if post.should_block:
                counts["phi"] += 1
                counts["gated"] += stop
            else:
                counts["clean"] += 1
                counts["passed"] += not stop
    return figures


def honest_loop(results: dict[str, Any]) -> str:
    """Both halves of each split corpus side by side, and the gap between them."""
    out = []
    bases = sorted({name.split(":")[0] for name in results["datasets"] if ":" in name})
    for base in bases:
        tune = results["datasets"].get(f"{base}:tune")
        measure = results["datasets"].get(f"{base}:measure")
        if not tune or not measure:
            continue
        rows = []
        for system in measure["results"]:
            pairs = [("span recall, any letter", _span_recall(tune, system),
                      _span_recall(measure, system))]
            if "gate" in measure and system in measure["gate"]:
                for group in sorted(measure["gate"][system]):
                    t, m = tune["gate"][system].get(group), measure["gate"][system][group]
                    pairs += [(f"{group}: PHI posts stopped", _share(t, "gated", "phi"),
                               _share(m, "gated", "phi")),
                              (f"{group}: clean posts passed", _share(t, "passed", "clean"),
                               _share(m, "passed", "clean"))]
            for what, a, b in pairs:
                gap = f"{a - b:+.2f}" if a is not None and b is not None else "–"
                rows.append([system, what, report.rate(a), report.rate(b), gap])
        out.append(f"**{base}**: tuned on `{base}:tune` ({tune['posts']} posts), measured on "
                   f"`{base}:measure` ({measure['posts']} posts); gap = tune − measure.\n")
        out.append(report.table(["system", "figure", "tune", "measure", "gap"], rows) + "\n")
        letters = sorted({k for k, c in measure["results"][next(iter(measure["results"]))]
                          ["letters"]["span"].items() if k != metrics.ANY and c["gold"]})
        rows = []
        for system in measure["results"]:
            for key in letters:
                a = (tune["results"][system]["letters"]["span"].get(key) or {}).get("recall")
                b = (measure["results"][system]["letters"]["span"].get(key) or {}).get("recall")
                gap = f"{a - b:+.2f}" if a is not None and b is not None else "–"
                rows.append([system, key, report.rate(a), report.rate(b), gap])
        out.append(f"{base}, span recall per letter:\n")
        out.append(report.table(["system", "letter", "tune", "measure", "gap"], rows) + "\n")
    return "\n".join(out)


def _span_recall(entry: dict[str, Any], system: str) -> float | None:
    count = entry["results"].get(system, {}).get("letters", {}).get("span", {}).get(metrics.ANY)
    return count.get("recall") if count else None


def _share(counts: dict[str, int] | None, part: str, whole: str) -> float | None:
    return counts[part] / counts[whole] if counts and counts[whole] else None


def _dataset_entry(dataset: Dataset) -> dict[str, Any]:
    gold = [g for p in dataset.posts for g in p.gold]
    return {
        "source": dataset.source,
        "posts": len(dataset.posts),
        "gold_spans": len(gold),
        "counted_spans": sum(g.letter is not None for g in gold),
        "label_map": dataset.table,
        # The letters each label's spans got after the value rules (None: neutral).
        "label_letters": {label: sorted({g.letter or "neutral" for g in gold if g.label == label})
                          for label in sorted({g.label for g in gold})},
        "unknown_labels": dataset.unknown_labels,
        "results": {},
        "failed": {},
    }


def metrics_entry(posts: list[LabelledPost], predicted: list[list[Span]],
                  seconds: float) -> dict[str, Any]:
    """Scores as plain dicts, plus the entity types that had no letter."""
    scored = metrics.score(posts, predicted)
    no_letter = sorted({s.label for spans in predicted for s in spans if s.letter is None})
    return {
        "seconds": round(seconds, 2),
        "unmapped_entities": no_letter,
        **{part: {level: {key: count.as_dict() for key, count in sorted(counts.items())}
                  for level, counts in levels.items()}
           for part, levels in scored.items()},
    }


def _clinicians(dataset: Dataset, predictions: dict[str, list[list[Span]]],
                results: dict[str, Any], log: Any) -> None:
    """Score PhysioNet again with HCPName counted as a name, for the strict policy."""
    policy = strict_policy()
    table = {**labels.PHYSIONET, "HCPName": "A"}
    posts = [dataclasses.replace(p, gold=tuple(
        dataclasses.replace(g, letter="A") if g.label == "HCPName" else g for g in p.gold))
        for p in dataset.posts]
    strict_set = Dataset(f"{dataset.name}-strict", dataset.source, posts, table)
    entry = _dataset_entry(strict_set)
    if policy is None:
        entry["note"] = "this phiguard has no Policy.strict(); HCPName is scored for the others"
        print(f"accuracy: {entry['note']}", file=log)
    seconds = {name: results["datasets"][dataset.name]["results"][name]["seconds"]
               for name in predictions if name in results["datasets"][dataset.name]["results"]}
    if policy is not None:
        system = PhiguardSystem("phiguard-strict", policy)
        results["systems"][system.name] = system.describe()
        try:
            system.predict(posts[:1])  # warm up, as for the other systems
            start = time.perf_counter()
            predictions = {system.name: system.predict(posts), **predictions}
            seconds[system.name] = round(time.perf_counter() - start, 2)
        except Exception as exc:  # noqa: BLE001 - report it, keep the other systems
            entry["failed"][system.name] = f"{type(exc).__name__}: {str(exc)[-300:]}"
        print(f"accuracy:   {system.name}: {seconds.get(system.name, 0):.1f}s", file=log)
    for name, predicted in predictions.items():
        if name.startswith(("phiguard-strict", "presidio")):
            entry["results"][name] = metrics_entry(posts, predicted, seconds.get(name, 0.0))
    results["datasets"][strict_set.name] = entry


def _cell(count: dict[str, Any] | None) -> str:
    if not count:
        return "–"
    return f"{report.rate(count['precision'])} / {report.rate(count['recall'])} / " \
           f"{report.rate(count['f2'])}"


def headline(results: dict[str, Any]) -> str:
    """phiguard against Presidio on each dataset: span-level recall and precision, any letter."""
    rows = []
    for name, entry in results["datasets"].items():
        got = entry["results"]
        base = got.get("presidio", {}).get("letters", {}).get("span", {}).get(metrics.ANY)
        for system in got:
            if not system.startswith("phiguard"):
                continue
            mine = got[system]["letters"]["span"].get(metrics.ANY)
            if not mine:
                continue
            speed = _posts_per_s(entry, system)
            base_speed = _posts_per_s(entry, "presidio")
            rows.append([name, system, report.rate(mine["recall"]),
                         report.rate(base and base["recall"]), _ratio(mine, base, "recall"),
                         report.rate(mine["precision"]), report.rate(base and base["precision"]),
                         _ratio(mine, base, "precision"), speed or "–", base_speed or "–",
                         f"{speed / base_speed:.2f}×" if speed and base_speed else "–"])
    return report.table(["dataset", "system", "span R", "presidio R", "R ratio", "span P",
                         "presidio P", "P ratio", "posts/s", "presidio posts/s", "ratio"], rows)


def _posts_per_s(entry: dict[str, Any], system: str) -> float | None:
    seconds = entry["results"].get(system, {}).get("seconds")
    return round(entry["posts"] / seconds, 1) if seconds else None


def _ratio(mine: dict[str, Any], base: dict[str, Any] | None, key: str) -> str:
    if not base or not mine.get(key) or not base.get(key):
        return "–"
    return f"{mine[key] / base[key]:.2f}×"


def render(results: dict[str, Any]) -> str:
    """The markdown tables: a headline per dataset, then per letter and per label."""
    out: list[str] = [f"*{name}: {reason}*\n" for name, reason in results["skipped"].items()]
    if results["datasets"]:
        out.append("Headline: any identifier, span level, phiguard against Presidio's default "
                   "engine on the same posts; posts/s is the scoring run's own throughput (after "
                   "a warm-up, `check_many` against `analyze()` per field), a second opinion "
                   "beside the speed benchmark:\n")
        out.append(headline(results) + "\n")
        loop = honest_loop(results)
        if loop:
            out.append("The honest loop: rules are tuned on one half of each development corpus "
                       "and measured on the other, whose errors are never read:\n")
            out.append(loop)
    for name, entry in results["datasets"].items():
        systems = list(entry["results"])
        out.append(f"### {name}\n\n{entry['posts']} posts, {entry['counted_spans']} counted gold "
                   f"spans ({entry['gold_spans']} in all; the rest are neutral).\n")
        if entry.get("note"):
            out.append(f"*{entry['note']}*\n")
        for system, error in entry.get("failed", {}).items():
            out.append(f"*{system} failed and is not in these tables: {error}*\n")
        if not systems:
            continue
        rows = []
        for system in systems:
            letters = entry["results"][system]["letters"]
            row: list[object] = [system]
            for level in metrics.LEVELS:
                count = letters[level].get(metrics.ANY)
                row += [report.rate(count and count["precision"]),
                        report.rate(count and count["recall"]), report.rate(count and count["f2"])]
            rows.append(row)
        out.append("Any identifier (a prediction of any letter on the gold span counts):\n")
        out.append(report.table(
            ["system", "token P", "token R", "token F2", "span P", "span R", "span F2",
             "exact P", "exact R", "exact F2"], rows) + "\n")
        out.append(_by_key(entry, systems, "letters", "Safe Harbor identifier"))
        label_keys = {k for s in systems for k in entry["results"][s]["labels"]["span"]}
        if not label_keys <= set(labels.LETTERS):
            # A dataset labelled with letters would repeat the table above.
            out.append(_by_key(entry, systems, "labels", "dataset label"))
    return "\n".join(out).rstrip()


def _by_key(entry: dict[str, Any], systems: list[str], part: str, title: str) -> str:
    first = entry["results"][systems[0]][part]
    lines = []
    for level in ("span", "token"):
        keys = sorted({k for s in systems for k in entry["results"][s][part][level]}
                      - {metrics.ANY})
        rows = []
        for key in keys:
            gold = first[level].get(key, {}).get("gold", 0)
            letter = key if part == "letters" else _letter(entry, key)
            name = f"{key} {labels.describe(key)}" if part == "letters" else key
            rows.append([name, *([] if part == "letters" else [letter or "neutral"]), gold,
                         *(_cell(entry["results"][s][part][level].get(key)) for s in systems)])
        header = [title, *([] if part == "letters" else ["letter"]), f"gold {level}s",
                  *(f"{s} P / R / F2" for s in systems)]
        lines.append(f"Per {title}, {level} level:\n\n" + report.table(header, rows) + "\n")
    return "\n".join(lines)


def _letter(entry: dict[str, Any], label: str) -> str | None:
    if label.endswith(" (neutral)"):
        return None
    letters = [x for x in entry.get("label_letters", {}).get(label, []) if x != "neutral"]
    return ", ".join(letters) or None


def draw(results: dict[str, Any], path: Path) -> None:
    """Span-level recall per Safe Harbor letter, one panel per dataset, bars per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in results["datasets"] if not n.endswith("-strict")]
    fig, axes = plt.subplots(len(names), 1, figsize=(12, 3.2 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        entry = results["datasets"][name]
        systems = list(entry["results"])
        keys = [metrics.ANY, *sorted(k for k, c in
                                     entry["results"][systems[0]]["letters"]["span"].items()
                                     if k != metrics.ANY and c["gold"])]
        width = 0.8 / len(systems)
        for i, system in enumerate(systems):
            spans = entry["results"][system]["letters"]["span"]
            values = [(spans.get(k) or {}).get("recall") or 0.0 for k in keys]
            ax.bar([x + i * width for x in range(len(keys))], values, width, label=system)
        ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(keys))], keys)
        ax.set_ylim(0, 1)
        ax.set_ylabel("span recall")
        ax.set_title(f"{name} ({entry['posts']} posts)")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def rerender(folder: Path) -> None:
    """Write the docs section, machine description and chart again from accuracy.json."""
    report.rerender(folder, "accuracy", render, draw)

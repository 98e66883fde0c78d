"""atheris fuzz target for the export readers: any bytes in, records or errors out, never a crash.

Run it locally (not part of the test suite; CI does not install atheris):

    pip install -e '.[fuzz]'
    cp -r fuzz/corpus /tmp/corpus
    python fuzz/fuzz_readers.py /tmp/corpus -max_total_time=300 -timeout=5

`fuzz/corpus/` holds small seed exports (give atheris a scratch copy: it adds what it finds to
the folder). `stray-brace-tweets.js` is the first thing it found: a tweets.js whose list held a
stray "}" sent the JSON reader into an endless loop (fixed in readers/json_stream.py). A crash or
a hang is written to `crash-<sha1>` or `timeout-<sha1>` in the working directory; reproduce it
with `python fuzz/fuzz_readers.py FILE`.

What it checks, for every input and every input format (auto-detected and each forced one):
- `read_records` raises nothing: bad bytes, bad JSON and bad CSV become Records with an error;
- every Record has a post or an error, never neither;
- each post read can be checked: `check` raises nothing and offsets lie inside their field.
"""

from __future__ import annotations

import io
import sys

import atheris

# Coverage guides the fuzzer through phiguard's own code; the libraries are not the target.
with atheris.instrument_imports(include=["phiguard"]):
    from phiguard import Policy, check
    from phiguard.io.readers import read_records

# Patterns only: fuzzing measures the readers, and spaCy would make every run slow.
_POLICY = Policy(layers=["patterns"], packs=["safe-harbor"])
_FORMATS = (None, "jsonl", "json", "csv", "tweets", "text")


def test_one_input(data: bytes) -> None:
    """One fuzz case: read `data` as stdin in every format, then check what was read."""
    for fmt in _FORMATS:
        records = list(read_records(["-"], fmt=fmt, stdin=io.BytesIO(data)))
        for record in records:
            if record.error is None and record.post is None:
                raise AssertionError(f"record {record.number} has neither a post nor an error")
            if record.post is not None:
                report = check(record.post, policy=_POLICY)
                for finding in report.findings:
                    length = len(record.post.field_text(finding.field))
                    if not 0 <= finding.start <= finding.end <= length:
                        raise AssertionError("finding offsets outside their field")


def main() -> None:
    """atheris entry point."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

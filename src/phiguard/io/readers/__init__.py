"""Readers: files, directories or stdin -> Records, streamed in input order.

Formats, detected from the file name and then from the first bytes (sniff.py):
  jsonl   one JSON object per line (`.jsonl`, `.ndjson`)                      jsonl.py
  json    an array of objects, or an object holding one (`.json`)            json_stream.py
  tweets  an X/Twitter archive `tweets.js`: `window.YTD.tweets.part0 = [...]` json_stream.py
  csv     a header row, then one post per row (`.csv`, `.tsv`; `,` `;` or tab) csv_table.py
  text    a post per paragraph, or per line with --lines (`.txt`, when named)  text.py
Inside JSON, each element's shape is recognised too (platforms.py): an archived tweet, a
Facebook or Instagram "download your information" post, or a plain object whose fields are
found by name. decode.py turns bytes into text pieces that know their line; files.py walks
folders, opens files and hands each to its format.

A record that cannot be read becomes a Record with `error` set and its file and line, and the
next record is read: one bad line never hides the others. Messages never quote the input.
"""

from phiguard.io.readers.decode import Progress
from phiguard.io.readers.files import Input, Unreadable, expand_paths, read_records, total_bytes
from phiguard.io.readers.sniff import FORMATS

__all__ = ["FORMATS", "Input", "Progress", "Unreadable", "expand_paths", "read_records",
           "total_bytes"]

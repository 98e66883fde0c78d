"""Input and output of the command line: export readers and report writers.

    readers/     files, directories, stdin -> Records (JSONL, JSON, tweets.js, CSV), streamed
    records.py   Record, and how an export's fields become a Post
    writers.py   table, json, jsonl and SARIF 2.1.0 output
    exports.py   write records back in their input's format (for `phiguard redact`)
    outputs.py   output files replaced whole or not at all, and never an input
"""

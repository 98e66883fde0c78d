"""phiguard inside the tools hospitals already run: Spark, Presidio and spaCy.

Each integration is its own module and imports its tool only when imported itself:
`phiguard.integrations.spark` (extra `phiguard[spark]`), `phiguard.integrations.presidio`,
`phiguard.integrations.spacy` (the `"phiguard"` pipeline component).
"""

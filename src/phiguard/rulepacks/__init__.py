"""Rule packs: the YAML schema and the loader."""

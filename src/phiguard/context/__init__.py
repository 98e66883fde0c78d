"""Post-level decisions on candidates: whose identifier it is, and whether it is a patient's."""

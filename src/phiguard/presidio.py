"""`phiguard.presidio`: Presidio integration; see phiguard.integrations.presidio."""

from phiguard.integrations.presidio import ENTITY_NAMES, PhiguardRecognizer, convert_presidio_yaml

__all__ = ["ENTITY_NAMES", "PhiguardRecognizer", "convert_presidio_yaml"]

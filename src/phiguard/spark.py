"""`phiguard.spark`: Spark (extra `phiguard[spark]`); see phiguard.integrations.spark."""

from phiguard.integrations.spark import FINDING_TYPE, check_dataframe, redact_dataframe

__all__ = ["FINDING_TYPE", "check_dataframe", "redact_dataframe"]

"""phiguard's exceptions. Finding PHI is a result, never an exception; these are for misuse.

    PhiguardError
    ├── ConfigError             a policy or setting is wrong            (CLI exit 3)
    │   ├── RulePackError       a rule pack or its examples are broken  (CLI exit 3)
    │   └── ModelNotInstalledError  the spaCy pipeline is missing       (CLI exit 3)
    └── InputError              a post or an export record is malformed (CLI exit 2)

A detector that crashes while checking is not an exception: the post is reported as `block` with
a DETECTOR_ERROR finding and an entry in `Report.errors` (fail closed), and the others go on.

Messages name the file, line, rule id or key, and never include text from a post.
"""

from __future__ import annotations


class PhiguardError(Exception):
    """Base class of every error phiguard raises on purpose."""


class ConfigError(PhiguardError):
    """A policy, option or setting is invalid."""


class RulePackError(ConfigError):
    """A rule pack could not be loaded; the message names the file, rule id and key."""

    def __init__(
        self, message: str, *, path: str | None = None, rule_id: str | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self.rule_id = rule_id
        self.key = key
        where = ", ".join(
            part for part in (
                path and f"file {path}",
                rule_id and f"rule {rule_id!r}",
                key and f"key {key!r}",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class ModelNotInstalledError(ConfigError):
    """The spaCy pipeline named by the policy cannot be imported."""


class InputError(PhiguardError):
    """A post or a record of an export is malformed; the message names where."""



class DetectorError(PhiguardError):
    """A text could not be checked, raised where an API has no report to say so in (Presidio's
    recognizer, phiguard.presidio); `check` reports it as a blocking finding instead."""

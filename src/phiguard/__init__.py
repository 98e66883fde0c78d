"""phiguard: checks hospital social-media posts for HIPAA Safe Harbor identifiers.

    report = phiguard.check("Happy 97th birthday to our patient Rose!")
    report.verdict            # "pass" | "review" | "block"
    phiguard.redact(post)     # the same post with its identifiers replaced
"""

import typing as _typing

from phiguard.detectors.base import LayerCandidate as Candidate
from phiguard.engine import check, check_many, register_layer
from phiguard.errors import (
    ConfigError,
    DetectorError,
    InputError,
    ModelNotInstalledError,
    PhiguardError,
    RulePackError,
)
from phiguard.models import (
    DETECTOR_ERROR,
    Combination,
    Finding,
    Identifier,
    LayerError,
    Post,
    Report,
)
from phiguard.policy import Policy
from phiguard.redact import RedactionResult, redact_many, redact_with_report
from phiguard.rulepacks.loader import load_rulepack

if _typing.TYPE_CHECKING:
    from phiguard.redact import redact
else:
    # The package itself, callable as its `redact`: `import phiguard.redact as m` is the module.
    from phiguard import redact

__all__ = [
    "Candidate",
    "DETECTOR_ERROR",
    "Combination",
    "ConfigError",
    "DetectorError",
    "Finding",
    "Identifier",
    "InputError",
    "LayerError",
    "ModelNotInstalledError",
    "PhiguardError",
    "Policy",
    "Post",
    "RedactionResult",
    "Report",
    "RulePackError",
    "check",
    "check_many",
    "load_rulepack",
    "redact",
    "redact_many",
    "redact_with_report",
    "register_layer",
]
from phiguard.version import __version__ as __version__  # noqa: E402 - after __all__, as before

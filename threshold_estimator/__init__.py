"""Tune a classifier's decision threshold, exactly and without leakage.

The public names are re-exported here; everything else lives in private
modules (a leading underscore on the module), whose helpers for other modules
have plain names (``_checks.check_target``) and whose names with a leading
underscore stay inside them. ``CONTRIBUTING.md`` has the layout.
"""

from threshold_estimator._estimator import ThresholdedClassifier
from threshold_estimator._plotting import ThresholdCurveDisplay
from threshold_estimator._scores import TunedThreshold, tune_threshold
from threshold_estimator.exceptions import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    InfeasibleFoldsWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
    ThresholdWarning,
    VersionMismatchWarning,
)

__version__ = "0.1.0"

__all__ = [
    "FewSamplesWarning",
    "FoldDisagreementWarning",
    "InfeasibleFoldsWarning",
    "PositiveRateWarning",
    "SaturatedScoresWarning",
    "ThresholdAtEdgeWarning",
    "ThresholdCurveDisplay",
    "ThresholdWarning",
    "ThresholdedClassifier",
    "TunedThreshold",
    "VersionMismatchWarning",
    "__version__",
    "tune_threshold",
]

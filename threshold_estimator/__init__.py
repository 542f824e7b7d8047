"""Tune a classifier's decision threshold, exactly and without leakage."""

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

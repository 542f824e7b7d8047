"""The warnings' first home, kept so that older imports keep working."""

from threshold_estimator.exceptions import (  # noqa: F401
    FewSamplesWarning,
    FoldDisagreementWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
    ThresholdWarning,
)

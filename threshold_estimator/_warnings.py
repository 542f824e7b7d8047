"""Warnings about a tuned threshold that is fragile or unusual."""


class ThresholdWarning(UserWarning):
    """Base class of the warnings about a tuned threshold.

    Filter this class to silence them all.

    Examples
    --------
    >>> import warnings
    >>> from threshold_estimator import ThresholdWarning
    >>> warnings.simplefilter("ignore", ThresholdWarning)
    >>> warnings.resetwarnings()
    """


class SaturatedScoresWarning(ThresholdWarning):
    """The held-out scores take few distinct values, or pile up on one.

    Also raised when most held-out probabilities lie within 1e-7 of 0 or 1.

    Moving the threshold then changes few predictions, and the tuned threshold
    is decided by a handful of ties. A ``decision_function`` (unbounded
    margins) or a calibrated classifier usually spreads the scores out.

    Examples
    --------
    >>> from threshold_estimator import SaturatedScoresWarning, ThresholdWarning
    >>> issubclass(SaturatedScoresWarning, ThresholdWarning)
    True
    """


class FoldDisagreementWarning(ThresholdWarning):
    """The folds' thresholds disagree strongly.

    Raised when the fold thresholds would predict shares of the held-out data
    positive (or negative) that differ by more than a factor of two. The
    threshold then rests on few samples; ``aggregation="pooled"``, more folds
    (``RepeatedStratifiedKFold``) or more data make it steadier.

    Examples
    --------
    >>> from threshold_estimator import FoldDisagreementWarning, ThresholdWarning
    >>> issubclass(FoldDisagreementWarning, ThresholdWarning)
    True
    """


class ThresholdAtEdgeWarning(ThresholdWarning):
    """The tuned threshold lies beyond every held-out score.

    The classifier then predicts one class for all the held-out data: the
    objective prefers no decision at all, which usually means the scores
    carry little information for it.

    Examples
    --------
    >>> from threshold_estimator import ThresholdAtEdgeWarning, ThresholdWarning
    >>> issubclass(ThresholdAtEdgeWarning, ThresholdWarning)
    True
    """


class PositiveRateWarning(ThresholdWarning):
    """The tuned threshold predicts far more or far fewer positives than exist.

    Raised when the share of held-out samples predicted positive is more
    than ten times the share of positives, or less than a tenth of it. A
    swapped ``pos_label`` or an objective that does not say what was meant
    are the usual causes; a cost or a capacity can make it intended.

    Examples
    --------
    >>> from threshold_estimator import PositiveRateWarning, ThresholdWarning
    >>> issubclass(PositiveRateWarning, ThresholdWarning)
    True
    """


class FewSamplesWarning(ThresholdWarning):
    """A held-out fold holds fewer than 5 samples of a class.

    That fold's best threshold is decided by those few samples. Fewer folds,
    a ``RepeatedStratifiedKFold`` or more data give each threshold more to
    rest on; ``aggregation="auto"`` already pools the folds in that case.

    Examples
    --------
    >>> from threshold_estimator import FewSamplesWarning, ThresholdWarning
    >>> issubclass(FewSamplesWarning, ThresholdWarning)
    True
    """

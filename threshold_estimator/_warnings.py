"""Warnings pointed at the user's call; also the warnings' first home.

The warning classes live in ``threshold_estimator.exceptions``; they are
imported here too, so that older imports keep working.
"""

import os
import sys
import warnings

import joblib
import sklearn

from threshold_estimator.exceptions import (  # noqa: F401
    FewSamplesWarning,
    FoldDisagreementWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
    ThresholdWarning,
)

# The code between a user's call and a warning: this package, scikit-learn's
# wrappers (_fit_context, validate_params, Pipeline, the searches) and joblib,
# through which scikit-learn runs its loops.
_INTERNAL = tuple(
    os.path.join(os.path.dirname(os.path.abspath(path)), "")
    for path in (__file__, sklearn.__file__, joblib.__file__)
)


def warn_at_caller(message, category):
    """Warn with the location of the first frame outside ``_INTERNAL``.

    A fixed ``stacklevel`` points inside scikit-learn as soon as a wrapper
    adds a frame (``validate_params`` around a function, a ``Pipeline``
    around ``fit``); counting the frames instead points at the user's own
    line whatever lies between, as ``skip_file_prefixes`` does from Python
    3.12 on.
    """
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and os.path.abspath(
        frame.f_code.co_filename
    ).startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)

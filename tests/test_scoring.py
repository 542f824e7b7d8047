"""Turning ``scoring`` into an objective: what a callable must be."""

import functools

import numpy as np
import pytest
from sklearn.metrics import (
    f1_score,
    fbeta_score,
    get_scorer,
    jaccard_score,
    make_scorer,
    roc_auc_score,
)

from threshold_estimator._scoring import resolve_scoring

CLASSES = np.array(["ham", "spam"])


@pytest.mark.parametrize(
    "scoring, error, match",
    [
        (
            f1_score,
            TypeError,
            r"scoring=f1_score is a metric function, f1_score\(y_true, y_pred, "
            r"\.\.\.\), but a callable scoring must be a scikit-learn scorer, "
            r"scorer\(estimator, X, y\)\. Wrap it: scoring=make_scorer\(f1_score\) "
            r".*or the built-in objective scoring='f1', exact and faster\.",
        ),
        (
            jaccard_score,
            TypeError,
            r"Wrap it: scoring=make_scorer\(jaccard_score\) .*pos_label=\.\.\.\)\.$",
        ),
        (
            functools.partial(fbeta_score, beta=2),
            TypeError,
            r"scoring=fbeta_score is a metric function.*make_scorer\(fbeta_score\)",
        ),
        (
            lambda y_true, y_pred: 0.0,
            TypeError,
            r"scoring=<lambda> is a metric function",
        ),
        (
            roc_auc_score,
            ValueError,
            "scoring=roc_auc_score scores the estimator's scores, not its "
            "predicted labels",
        ),
    ],
)
def test_a_metric_function_is_told_to_be_wrapped(scoring, error, match):
    with pytest.raises(error, match=match):
        resolve_scoring(scoring, CLASSES, "spam")


def test_scorers_are_not_mistaken_for_metric_functions():
    def scorer(estimator, X, y_true):
        return 1.0

    for scoring in (scorer, get_scorer("jaccard"), make_scorer(f1_score)):
        assert resolve_scoring(scoring, CLASSES, "spam").scorer is scoring

"""Turning ``scoring`` into an objective, and the positive class it needs."""

import functools

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    fbeta_score,
    get_scorer,
    jaccard_score,
    make_scorer,
    roc_auc_score,
)

from threshold_estimator._checks import check_target
from threshold_estimator._scoring import check_pos_label, resolve_scoring
from threshold_estimator.objectives import (
    constrained,
    cost,
    cost_matrix,
    fbeta,
    from_counts,
)


def _check_pos_label(scoring, y, pos_label):
    """check_pos_label as fit calls it, on the objective made of scoring."""
    target = check_target(y, pos_label)
    objective = resolve_scoring(scoring, target.classes, target.pos_label)
    check_pos_label(objective, scoring, target, pos_label)


HAM_SPAM = np.array(["ham", "spam", "ham", "ham", "spam", "ham"])
CLASSES = np.array(["ham", "spam"])


def _net_gain(tn, fp, fn, tp):
    return 40 * tp - 5 * fp


@pytest.mark.parametrize(
    "scoring",
    [
        "f1",
        "precision",
        "recall",
        "specificity",
        "npv",
        "fpr",
        "fnr",
        "positive_rate",
        fbeta(2),
        cost(fp=1, fn=10),
        constrained("recall", "precision", at_least=0.9),
        from_counts(_net_gain),
    ],
    ids=repr,
)
def test_an_asymmetric_objective_needs_pos_label_for_other_labels(scoring):
    with pytest.raises(
        ValueError,
        match=r"pos_label=None, but scoring=.* counts one class as positive and "
        r"y's classes \['ham', 'spam'\] do not say which .*Pass pos_label='spam' "
        r"\(the class the objective counts as positive; y has 2 of it and 4 of "
        r"'ham'\) or pos_label='ham'\.",
    ):
        _check_pos_label(scoring, HAM_SPAM, None)
    _check_pos_label(scoring, HAM_SPAM, "spam")
    _check_pos_label(scoring, HAM_SPAM, "ham")


@pytest.mark.parametrize(
    "scoring",
    [
        "balanced_accuracy",
        "accuracy",
        "youden",
        "gmean",
        "mcc",
        "kappa",
        "f1_macro",
        "matthews_corrcoef",
        cost(fp=3, fn=3),
        cost_matrix([[0, 1], [10, 0]]),
        constrained("mcc", "balanced_accuracy", at_least=0.5),
    ],
    ids=repr,
)
def test_a_symmetric_objective_needs_no_pos_label(scoring):
    _check_pos_label(scoring, HAM_SPAM, None)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array([-1, 1, 1, -1]),
        np.array([False, True, True, False]),
        np.array([0.0, 1.0, 1.0, 0.0]),
    ],
    ids=["0-1", "-1-1", "bool", "float"],
)
def test_the_positive_class_goes_without_saying_for_0_1(y):
    _check_pos_label("f1", y, None)


def test_labels_1_and_2_need_pos_label_as_in_scikit_learn():
    with pytest.raises(ValueError, match=r"Pass pos_label=2 .*or pos_label=1\."):
        _check_pos_label("recall", np.array([1, 2, 1, 1]), None)


@pytest.mark.parametrize(
    "scoring, match",
    [
        (
            "jaccard",
            r"scoring='jaccard' counts pos_label=1 as positive, which is not a "
            r"class of y \['ham', 'spam'\]\. A scorer takes its positive class from "
            r"its own pos_label, not from ThresholdedClassifier's: use scoring="
            r"make_scorer\(jaccard_score, pos_label='spam'\)",
        ),
        (
            make_scorer(f1_score),
            r"counts pos_label=1 as positive.*make_scorer\(f1_score, "
            r"pos_label='spam'\)",
        ),
    ],
)
def test_a_scorer_must_name_its_own_positive_class(scoring, match):
    # ThresholdedClassifier's pos_label does not reach the scorer's metric.
    for pos_label in (None, "spam"):
        with pytest.raises(ValueError, match=match):
            _check_pos_label(scoring, HAM_SPAM, pos_label)


@pytest.mark.parametrize(
    "scoring, y",
    [
        (make_scorer(f1_score, pos_label="spam"), HAM_SPAM),
        (make_scorer(f1_score, average="macro"), HAM_SPAM),
        (make_scorer(accuracy_score), HAM_SPAM),
        ("jaccard", np.array([0, 1, 1, 0])),
        (lambda estimator, X, y: 1.0, HAM_SPAM),
    ],
    ids=["pos_label", "macro", "accuracy", "0-1", "hand-written"],
)
def test_a_scorer_with_a_valid_positive_class_passes(scoring, y):
    _check_pos_label(scoring, y, None)


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

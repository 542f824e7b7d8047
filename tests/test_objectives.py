import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics

from threshold_estimator import objectives
from threshold_estimator._counts import confusion_counts
from threshold_estimator.objectives import fbeta, get_objective


def _specificity(y_true, y_pred, sample_weight=None):
    return metrics.recall_score(
        y_true, y_pred, pos_label=0, sample_weight=sample_weight, zero_division=0
    )


def _gmean(y_true, y_pred, sample_weight=None):
    recall = metrics.recall_score(
        y_true, y_pred, sample_weight=sample_weight, zero_division=0
    )
    return np.sqrt(recall * _specificity(y_true, y_pred, sample_weight))


def _youden(y_true, y_pred, sample_weight=None):
    recall = metrics.recall_score(
        y_true, y_pred, sample_weight=sample_weight, zero_division=0
    )
    return recall + _specificity(y_true, y_pred, sample_weight) - 1


# Each built-in objective next to the scikit-learn metric it must equal.
REFERENCES = {
    "f1": lambda t, p, w: metrics.f1_score(t, p, sample_weight=w, zero_division=0),
    "balanced_accuracy": lambda t, p, w: (
        (
            metrics.recall_score(t, p, sample_weight=w, zero_division=0)
            + _specificity(t, p, w)
        )
        / 2
    ),
    "youden": lambda t, p, w: _youden(t, p, w),
    "gmean": lambda t, p, w: _gmean(t, p, w),
    "mcc": lambda t, p, w: metrics.matthews_corrcoef(t, p, sample_weight=w),
    "accuracy": lambda t, p, w: metrics.accuracy_score(t, p, sample_weight=w),
    "precision": lambda t, p, w: metrics.precision_score(
        t, p, sample_weight=w, zero_division=0
    ),
    "recall": lambda t, p, w: metrics.recall_score(
        t, p, sample_weight=w, zero_division=0
    ),
    "specificity": lambda t, p, w: _specificity(t, p, w),
    "kappa": lambda t, p, w: np.nan_to_num(
        metrics.cohen_kappa_score(t, p, sample_weight=w)
    ),
}


@st.composite
def two_class_scores(draw):
    n = draw(st.integers(2, 30))
    y_true = draw(arrays(bool, n))
    y_true[0], y_true[1] = True, False
    y_score = draw(
        arrays(np.float64, n, elements=st.sampled_from([0.1, 0.4, 0.5, 0.9]))
    )
    weight = draw(arrays(np.float64, n, elements=st.sampled_from([0.5, 1.0, 2.0])))
    return y_true, y_score, weight


@pytest.mark.parametrize("name", sorted(REFERENCES))
@settings(max_examples=40, deadline=None)
@given(data=two_class_scores())
def test_objective_matches_sklearn_metric_at_every_cut(name, data):
    y_true, y_score, weight = data
    scores, tn, fp, fn, tp = confusion_counts(y_true, y_score, weight)
    values = get_objective(name)(tn, fp, fn, tp)
    cuts = np.concatenate(([np.inf], scores))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = [
            REFERENCES[name](y_true.astype(int), (y_score >= c).astype(int), weight)
            for c in cuts
        ]
    np.testing.assert_allclose(values, expected, atol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 3.7])
def test_fbeta_matches_sklearn(beta):
    rng = np.random.default_rng(0)
    y_true = rng.random(50) < 0.3
    y_score = rng.random(50)
    scores, tn, fp, fn, tp = confusion_counts(y_true, y_score)
    values = fbeta(beta)(tn, fp, fn, tp)
    expected = [
        metrics.fbeta_score(y_true, y_score >= s, beta=beta, zero_division=0)
        for s in scores
    ]
    np.testing.assert_allclose(values[1:], expected, atol=1e-12)


@pytest.mark.parametrize(
    "name, zero_value",
    [
        ("f1", 0.0),
        ("precision", 0.0),
        ("mcc", 0.0),
        ("kappa", 0.0),
        ("youden", -1.0),
        ("gmean", 0.0),
    ],
)
def test_documented_value_for_zero_denominators(name, zero_value):
    zero = np.zeros(1)
    assert get_objective(name)(zero, zero, zero, zero)[0] == zero_value


def test_aliases_resolve_to_their_objective():
    assert get_objective("matthews_corrcoef") == get_objective("mcc")
    assert get_objective("tpr") == get_objective("recall")
    assert get_objective("tnr") == get_objective("specificity")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown objective 'f2'.*balanced_accuracy"):
        get_objective("f2")


@pytest.mark.parametrize("beta", [0, -1, float("nan"), "2"])
def test_fbeta_rejects_a_bad_beta(beta):
    with pytest.raises(ValueError, match="beta must be a positive number"):
        fbeta(beta)


def test_objectives_pickle_compare_and_print():
    f2 = fbeta(2)
    assert pickle.loads(pickle.dumps(f2)) == f2
    assert f2 != fbeta(3) and f2 != get_objective("f1")
    assert hash(f2) == hash(fbeta(2.0))
    assert repr(f2) == "fbeta(beta=2.0)"
    assert repr(get_objective("f1")) == "get_objective('f1')"
    assert objectives.objective_names() == sorted(objectives.objective_names())

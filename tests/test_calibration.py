import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.isotonic import IsotonicRegression

from threshold_estimator._calibration import calibrate, fit_calibration


def _overconfident(n_samples, n_classes, seed=0, sharpen=3.0):
    """True probabilities of a softmax, and a network's sharpened copy."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n_samples, n_classes)) * 1.5
    truth = softmax(logits, axis=1)
    y = (rng.random(n_samples)[:, None] > truth.cumsum(axis=1)).sum(axis=1)
    shift = np.r_[1.0, np.zeros(n_classes - 1)]
    return y, truth, softmax(logits * sharpen + shift, axis=1)


def test_temperature_recovers_a_sharpened_softmax():
    y, truth, over = _overconfident(20_000, 4)
    found = fit_calibration("temperature", y, over)
    assert found["temperature"] == pytest.approx(3.0, rel=0.05)
    assert found["bias"].sum() == pytest.approx(0.0, abs=1e-12)
    calibrated = calibrate(found, over)
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)
    assert np.abs(calibrated - truth).mean() < 0.1 * np.abs(over - truth).mean()


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_one_against_rest_maps_give_rows_of_probabilities(method):
    y, truth, over = _overconfident(10_000, 3)
    calibrated = calibrate(fit_calibration(method, y, over), over)
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)
    assert np.abs(calibrated - truth).mean() < 0.3 * np.abs(over - truth).mean()


@pytest.mark.parametrize("score_type", ["probability", "logit"])
def test_sigmoid_undoes_a_scaled_logit(score_type):
    rng = np.random.default_rng(0)
    logit = rng.normal(size=20_000) * 2
    y = rng.random(logit.size) < expit(logit)
    scores = 4 * logit - 1 if score_type == "logit" else expit(4 * logit - 1)
    found = fit_calibration("sigmoid", y, scores, score_type=score_type)
    # p = 1 / (1 + exp(a f + b)) with f = 4 logit - 1: a = -1/4, b = -1/4.
    assert found["a"] == pytest.approx(-0.25, abs=0.02)
    assert found["b"] == pytest.approx(-0.25, abs=0.05)


def test_isotonic_is_scikit_learns_map_of_the_scores():
    rng = np.random.default_rng(1)
    scores = rng.random(500)
    y = rng.random(500) < scores**2
    weight = rng.random(500) + 0.5
    found = fit_calibration("isotonic", y, scores, weight)
    reference = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
    reference.fit(scores, y.astype(float), weight)
    new = rng.random(300)
    np.testing.assert_allclose(calibrate(found, new), reference.predict(new))
    assert np.all(np.diff(calibrate(found, np.sort(new))) >= 0)


def test_tiny_probabilities_are_not_merged():
    scores = np.array([1e-20, 1e-14, 0.3, 0.6, 0.9])
    truth = np.array([False, True, False, True, True])
    reference = IsotonicRegression(out_of_bounds="clip").fit(scores, truth)
    np.testing.assert_allclose(
        calibrate(fit_calibration("isotonic", truth, scores), scores),
        reference.predict(scores),
    )


def test_saturated_probabilities_keep_finite_features():
    y = np.array([0, 0, 1, 1, 1, 0])
    scores = np.array([0.0, 1e-20, 1.0, 1.0, 0.7, 0.2], dtype=np.float32)
    for method in ("sigmoid", "isotonic"):
        calibrated = calibrate(fit_calibration(method, y == 1, scores), scores)
        assert np.isfinite(calibrated).all()
        assert ((calibrated >= 0) & (calibrated <= 1)).all()


def _overconfident_network(n_samples=3000, seed=1):
    """An MLP trained without regularisation on noisy labels: overconfident."""
    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=5,
        weights=[0.8],
        flip_y=0.1,
        random_state=seed,
    )
    net = MLPClassifier((64,), alpha=0, max_iter=500, random_state=seed)
    return X, y, net


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_a_calibrated_binary_rule_thresholds_its_calibrated_probability(method):
    from sklearn.exceptions import ConvergenceWarning

    from threshold_estimator import ThresholdedClassifier

    X, y, net = _overconfident_network()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ThresholdedClassifier(
            net, scoring="f1", calibration=method, random_state=0
        ).fit(X[:2000], y[:2000])
    proba = clf.predict_proba(X[2000:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.calibration_["method"] == method
    assert np.array_equal(
        clf.predict(X[2000:]),
        clf.classes_[(proba[:, 1] >= clf.decision_threshold_).astype(int)],
    )
    # The network is overconfident: calibrated, its Brier score is lower.
    raw = clf.estimator_.predict_proba(X[2000:])[:, 1]
    truth = y[2000:]
    assert np.mean((proba[:, 1] - truth) ** 2) < np.mean((raw - truth) ** 2)
    margin = clf.decision_function(X[2000:])
    assert np.array_equal(margin > 0, clf.predict(X[2000:]) == 1)


def test_sigmoid_calibration_keeps_the_decisions():
    from sklearn.linear_model import LogisticRegression

    from threshold_estimator import ThresholdedClassifier

    X, y, _ = _overconfident_network()
    raw = ThresholdedClassifier(LogisticRegression(), scoring="f1", random_state=0)
    calibrated = clone_with(raw, calibration="sigmoid")
    raw.fit(X[:2000], y[:2000])
    calibrated.fit(X[:2000], y[:2000])
    agree = np.mean(raw.predict(X[2000:]) == calibrated.predict(X[2000:]))
    assert agree > 0.995


def clone_with(estimator, **params):
    from sklearn.base import clone

    return clone(estimator).set_params(**params)


def test_temperature_calibrates_more_classes_and_keeps_rows_of_probabilities():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from threshold_estimator import ThresholdedClassifier

    X, y = make_classification(
        n_samples=3000,
        n_classes=3,
        n_informative=4,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring="f1_macro",
        calibration="temperature",
        random_state=0,
    ).fit(X[:2000], y[:2000])
    proba = clf.predict_proba(X[2000:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.calibration_["temperature"] > 0
    rule = np.argmax(np.log(proba) - np.log(clf.decision_threshold_), axis=1)
    assert np.array_equal(clf.predict(X[2000:]), clf.classes_[rule])


def test_margins_calibrated_give_probabilities():
    from sklearn.svm import LinearSVC

    from threshold_estimator import ThresholdedClassifier

    X, y, _ = _overconfident_network()
    clf = ThresholdedClassifier(LinearSVC(), calibration="sigmoid", random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert 0 < clf.decision_threshold_ < 1
    assert not hasattr(ThresholdedClassifier(LinearSVC()), "predict_proba")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"calibration": "temperature"}, "for two, use calibration='sigmoid'"),
        (
            {"calibration": "sigmoid", "threshold": 0.3},
            "learned from the held-out pairs of a tuned rule",
        ),
    ],
)
def test_calibration_refuses_what_it_cannot_do(params, match):
    from sklearn.linear_model import LogisticRegression

    from threshold_estimator import ThresholdedClassifier

    X, y, _ = _overconfident_network(600)
    with pytest.raises(ValueError, match=match):
        ThresholdedClassifier(LogisticRegression(), **params).fit(X, y)

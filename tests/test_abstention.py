import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from threshold_estimator import ThresholdedClassifier, tune_threshold
from threshold_estimator._search import abstention_band
from threshold_estimator.exceptions import InfeasibleObjectiveError


def _brute_force(y, s, w, t, precision=None, rate=None):
    """Best coverage (or fewest errors) over every pair of thresholds."""
    candidates = np.r_[np.unique(s), np.inf, t]
    total = w.sum()
    best = None
    for low, high in itertools.product(candidates, repeat=2):
        if not low <= t <= high:
            continue
        pos, neg = s >= high, s < low
        covered = w[pos].sum() + w[neg].sum()
        if precision is not None:
            if not (pos.any() and neg.any()):
                continue
            ppv = w[pos & y].sum() / w[pos].sum()
            npv = w[neg & ~y].sum() / w[neg].sum()
            if min(ppv, npv) < precision - 1e-9:
                continue
            key = covered / total
        else:
            if total - covered > rate * total * (1 + 1e-12):
                continue
            # The fewest errors, then the narrowest band.
            key = (-(w[pos & ~y].sum() + w[neg & y].sum()), covered / total)
        best = key if best is None else max(best, key)
    return best


@st.composite
def scored_samples(draw):
    n = draw(st.integers(4, 14))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    s = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), float)
    w = np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)), float)
    t = draw(st.sampled_from([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]))
    return y, s, w, t


@settings(max_examples=150, deadline=None)
@given(scored_samples(), st.sampled_from([0.5, 0.7, 1.0]))
def test_precision_band_is_the_widest_and_never_inverted(data, precision):
    y, s, w, t = data
    best = _brute_force(y, s, w, t, precision=precision)
    if best is None:
        with pytest.raises(InfeasibleObjectiveError, match="best reachable"):
            abstention_band(y, s, w, threshold=t, precision=precision)
        return
    low, high, coverage = abstention_band(y, s, w, threshold=t, precision=precision)
    assert low <= t <= high
    assert coverage == pytest.approx(best)
    pos, neg = s >= high, s < low
    assert w[pos & y].sum() >= (precision - 1e-9) * w[pos].sum()
    assert w[neg & ~y].sum() >= (precision - 1e-9) * w[neg].sum()


@settings(max_examples=150, deadline=None)
@given(scored_samples(), st.sampled_from([0.0, 0.2, 0.5]))
def test_rate_band_leaves_the_fewest_errors_and_is_never_inverted(data, rate):
    y, s, w, t = data
    low, high, coverage = abstention_band(y, s, w, threshold=t, rate=rate)
    assert low <= t <= high
    assert 1 - coverage <= rate + 1e-12
    pos, neg = s >= high, s < low
    errors = w[pos & ~y].sum() + w[neg & y].sum()
    best_errors, best_coverage = _brute_force(y, s, w, t, rate=rate)
    assert -errors == pytest.approx(best_errors)
    assert coverage == pytest.approx(best_coverage)


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    X = rng.normal(size=(n, 3)) + 1.2 * y[:, None]
    return X, y


def test_estimator_band_reaches_its_precision_on_new_data():
    X, y = _data(6000)
    X_new, y_new = _data(20_000, seed=1)
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"precision": 0.9}, random_state=0
    ).fit(X, y)
    low, high = clf.abstention_band_
    assert low <= clf.decision_threshold_ <= high
    y_pred, coverage = clf.predict_with_abstention(X_new)
    answered = y_pred != "abstain"
    assert coverage == pytest.approx(answered.mean())
    assert coverage == pytest.approx(clf.abstention_coverage_, abs=0.03)
    for label in (0, 1):
        predicted = answered & (y_pred == label)
        assert np.mean(y_new[predicted] == label) > 0.88
    # predict is unchanged by the band.
    plain = ThresholdedClassifier(LogisticRegression(), random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X_new), plain.predict(X_new))


def test_rate_band_abstains_on_about_that_share():
    X, y = _data(6000)
    X_new, _ = _data(20_000, seed=1)
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"rate": 0.1}, random_state=0
    ).fit(X, y)
    assert clf.abstention_coverage_ >= 0.9
    _, coverage = clf.predict_with_abstention(X_new)
    assert coverage == pytest.approx(0.9, abs=0.02)


@pytest.mark.parametrize(
    "marker, dtype_kind",
    [("abstain", "O"), (-1, "i"), (np.nan, "f"), (None, "O"), (b"x", "O")],
)
def test_marker_keeps_the_labels_numeric_when_it_can(marker, dtype_kind):
    X, y = _data(1000)
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"rate": 0.3}, random_state=0
    ).fit(X, y)
    y_pred, _ = clf.predict_with_abstention(X, marker=marker)
    assert y_pred.dtype.kind == dtype_kind
    abstained = np.array([v is marker or v == marker for v in y_pred.tolist()])
    if marker is not None and marker != marker:  # NaN
        abstained = np.isnan(y_pred)
    assert 0.2 < abstained.mean() <= 0.3 + 1e-9


def test_separable_samples_need_no_band_at_any_rate():
    y = np.r_[np.zeros(50, bool), np.ones(50, bool)]
    s = np.arange(100.0)
    low, high, coverage = abstention_band(y, s, threshold=49.5, rate=0.1)
    assert (low, high, coverage) == (49.5, 49.5, 1.0)


def test_boolean_labels_are_not_mixed_with_a_numeric_marker():
    X, y = _data(600)
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"rate": 0.3}, random_state=0
    ).fit(X, y.astype(bool))
    y_pred, _ = clf.predict_with_abstention(X, marker=-1)
    assert y_pred.dtype == object
    assert {type(v) for v in y_pred.tolist()} == {bool, int}


def test_string_labels_and_a_string_marker():
    X, y = _data(1000)
    labels = np.array(["ham", "spam"])[y]
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"rate": 0.2}, random_state=0
    ).fit(X, labels)
    y_pred, _ = clf.predict_with_abstention(X, marker="unsure")
    assert set(y_pred) == {"ham", "spam", "unsure"}


@pytest.mark.parametrize(
    "params, y_kind, match",
    [
        ({"abstention": {"precision": 1.5}}, "binary", r"\{'precision': p\}"),
        ({"abstention": {"coverage": 0.5}}, "binary", "abstention must be"),
        ({"abstention": {"rate": 0.1, "precision": 0.9}}, "binary", "must be"),
        ({"abstention": {"rate": 0.1}}, "three", "y has 3"),
        (
            {"abstention": {"rate": 0.1}, "threshold": 0.4},
            "binary",
            "threshold=0.4 does not make",
        ),
        (
            {"abstention": {"precision": 0.99}},
            "noisy ends",
            r"abstention=.*best reachable.*lower precision",
        ),
    ],
)
def test_bad_abstention_is_refused(params, y_kind, match):
    X, y = _data(600)
    if y_kind == "three":
        y = y + (X[:, 0] > 1)
    if y_kind == "noisy ends":
        # The surest samples of each side belong to the other class.
        order = np.argsort(X.sum(axis=1))
        y[order[:30]], y[order[-30:]] = 1, 0
    with pytest.raises(ValueError, match=match):
        ThresholdedClassifier(LogisticRegression(), **params).fit(X, y)


def test_predict_with_abstention_needs_a_band_and_a_marker_not_a_class():
    X, y = _data(600)
    clf = ThresholdedClassifier(LogisticRegression(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fit with abstention="):
        clf.predict_with_abstention(X)
    clf.set_params(abstention={"rate": 0.1}).fit(X, y)
    with pytest.raises(ValueError, match="marker=1 is a class"):
        clf.predict_with_abstention(X, marker=1)


def test_with_class_prior_moves_the_band():
    X, y = _data(6000)
    clf = ThresholdedClassifier(
        LogisticRegression(), abstention={"precision": 0.9}, random_state=0
    ).fit(X, y)
    before = clf.abstention_band_
    shifted = clf.with_class_prior([0.5, 0.5])
    low, high = shifted.abstention_band_
    assert low <= shifted.decision_threshold_ <= high
    assert clf.abstention_band_ == before
    # More positives: a positive prediction is right more often, so the band
    # may reach lower for them.
    assert high < clf.abstention_band_[1]


def test_tune_threshold_band():
    X, y = _data(3000)
    score = X.sum(axis=1)
    tuned = tune_threshold(
        y, score, score_type="logit", abstention={"rate": 0.2}, n_resamples=0
    )
    low, high = tuned.band
    assert low <= tuned.threshold <= high
    y_pred, coverage = tuned.predict_with_abstention(score, marker=-1)
    assert coverage == pytest.approx(tuned.coverage)
    assert ((y_pred == -1) == ((score >= low) & (score < high))).all()
    without = tune_threshold(y, score, score_type="logit", n_resamples=0)
    with pytest.raises(ValueError, match="needs a band"):
        without.predict_with_abstention(score)

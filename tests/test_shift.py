import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import Bunch

from threshold_estimator import (
    FewSamplesWarning,
    SaturatedScoresWarning,
    ThresholdedClassifier,
)
from threshold_estimator._shift import (
    MIN_PRIOR_ROWS,
    POINTS_PER_CLASS,
    ClassPrior,
    detectable_distance,
    drift_report,
    estimate_prior,
    ks_p_value,
    ks_statistic,
    prior_interval,
    rows_to_detect,
    sampling_distance,
    summarize,
)
from threshold_estimator.objectives import cost


def _draw(n, rate, seed, n_classes=2):
    """Gaussian classes whose look does not depend on the balance."""
    rng = np.random.default_rng(seed)
    shares = (
        np.array([1 - rate, rate])
        if n_classes == 2
        else np.r_[1 - rate * (n_classes - 1), np.full(n_classes - 1, rate)]
    )
    y = rng.choice(n_classes, size=n, p=shares)
    centres = np.random.default_rng(1234).normal(size=(n_classes, 4)) * 1.2
    X = centres[y] + rng.normal(size=(n, 4)) * (1 + 0.3 * y[:, None])
    return X, y


def _fit(X, y, **params):
    params = {"scoring": "f1", "random_state": 0, **params}
    return ThresholdedClassifier(LogisticRegression(), **params).fit(X, y)


def test_summary_is_exact_up_to_its_bound_and_bounded_beyond():
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=3000), 2)
    labels = (rng.random(3000) < 0.3).astype(np.intp)
    exact = summarize(scores, labels, 2, bound=10_000)
    for k in (0, 1):
        kept = exact.scores[exact.class_index == k]
        np.testing.assert_array_equal(kept, np.unique(scores[labels == k]))
    assert exact.weight.sum() == 3000

    many = rng.normal(size=100_000)
    labels = (rng.random(100_000) < 0.1).astype(np.intp)
    small = summarize(many, labels, 2, bound=500)
    assert small.weight.size <= 2 * 500
    assert small.weight.sum() == pytest.approx(100_000)
    # At any threshold, each class's count is within one run of the exact one.
    for t in np.quantile(many, np.linspace(0.01, 0.99, 50)):
        for k in (0, 1):
            exact_count = np.count_nonzero((many >= t) & (labels == k))
            member = small.class_index == k
            approx = small.weight[member & (small.scores >= t)].sum()
            assert abs(approx - exact_count) <= np.count_nonzero(labels == k) / 500 + 1


def test_summary_of_probabilities_keeps_rows_and_weights():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), size=20_000)
    labels = rng.integers(0, 3, size=20_000)
    weight = rng.random(20_000)
    summary = summarize(proba, labels, 3, weight, bound=300)
    assert summary.scores.shape == (summary.weight.size, 3)
    assert summary.weight.size <= 900
    for k in range(3):
        assert summary.weight[summary.class_index == k].sum() == pytest.approx(
            weight[labels == k].sum()
        )


def test_class_prior_moves_the_threshold_toward_the_new_balance():
    X, y = _draw(4000, 0.05, seed=0)
    plain = _fit(X, y)
    same = _fit(X, y, class_prior=plain.training_prior_)
    more = _fit(X, y, class_prior=[0.7, 0.3])
    assert same.decision_threshold_ == plain.decision_threshold_
    assert more.decision_threshold_ < plain.decision_threshold_
    np.testing.assert_allclose(more.class_prior_, [0.7, 0.3])
    np.testing.assert_allclose(plain.class_prior_, np.bincount(y) / y.size)
    # The estimator is fitted on the data as it is: same probabilities.
    np.testing.assert_array_equal(
        more.predict_proba(X[:50]), plain.predict_proba(X[:50])
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_with_class_prior_equals_a_fit_with_that_prior(n_classes):
    """Below the summary's bound the re-derived rule is the exact one."""
    X, y = _draw(2000, 0.1, seed=1, n_classes=n_classes)
    new_prior = [0.4, 0.6] if n_classes == 2 else [0.4, 0.3, 0.3]
    scoring = "f1" if n_classes == 2 else "f1_macro"
    clf = _fit(X, y, scoring=scoring)
    assert np.bincount(y).max() <= POINTS_PER_CLASS
    shifted = clf.with_class_prior(new_prior)
    refitted = _fit(X, y, scoring=scoring, class_prior=new_prior)
    np.testing.assert_allclose(
        shifted.decision_threshold_, refitted.decision_threshold_, rtol=1e-12
    )
    assert shifted.decision_rule_ == refitted.decision_rule_
    # The copy shares the fitted estimator; the original is unchanged.
    assert shifted.estimator_ is clf.estimator_
    assert not np.allclose(clf.class_prior_, shifted.class_prior_)
    assert hasattr(clf, "fold_thresholds_") and not hasattr(shifted, "best_score_")
    assert "re-derived for class_prior" in shifted.summary()
    np.testing.assert_array_equal(shifted.predict(X), refitted.predict(X))


def test_with_class_prior_beyond_the_bound_is_close_to_the_exact_rule():
    X, y = _draw(30_000, 0.2, seed=2)
    clf = _fit(X, y, cv=3)
    assert np.bincount(y).min() > POINTS_PER_CLASS
    assert clf.held_out_summary_["weight"].size == 2 * POINTS_PER_CLASS
    assert clf.held_out_summary_["weight"].sum() == pytest.approx(len(y))
    shifted = clf.with_class_prior([0.5, 0.5])
    exact = _fit(X, y, cv=3, class_prior=[0.5, 0.5])
    p = clf.predict_proba(X)[:, 1]
    # Few samples fall between the two thresholds (the objective is flat
    # there: benchmarks/bench_shift.py measures its loss).
    low, high = sorted([shifted.decision_threshold_, exact.decision_threshold_])
    assert np.mean((p >= low) & (p < high)) < 0.005


def test_bayes_rule_follows_the_class_prior():
    X, y = _draw(4000, 0.1, seed=3)
    clf = _fit(X, y, scoring=cost(fp=1, fn=1), threshold="bayes")
    train = clf.training_prior_
    shifted = _fit(
        X, y, scoring=cost(fp=1, fn=1), threshold="bayes", class_prior=[0.5, 0.5]
    )
    ratio = 0.5 / train
    # Positive where p ratio_1 >= (1 - p) ratio_0.
    assert shifted.decision_threshold_ == pytest.approx(ratio[0] / ratio.sum())
    assert clf.decision_threshold_ == pytest.approx(0.5)
    again = clf.with_class_prior([0.5, 0.5])
    assert again.decision_threshold_ == pytest.approx(shifted.decision_threshold_)
    assert again.decision_rule_ == "bayes"


def test_balanced_accuracy_bayes_rule_does_not_move_with_the_prior():
    X, y = _draw(4000, 0.1, seed=3, n_classes=3)
    a = _fit(X, y, scoring="balanced_accuracy", threshold="bayes")
    b = _fit(
        X,
        y,
        scoring="balanced_accuracy",
        threshold="bayes",
        class_prior=[0.2, 0.4, 0.4],
    )
    np.testing.assert_allclose(a.decision_threshold_, b.decision_threshold_)


@pytest.mark.parametrize(
    "params, call, match",
    [
        ({"threshold": 0.3}, [0.5, 0.5], r"threshold is fixed \(0.3\)"),
        ({"scoring": cost(fn="amount")}, [0.5, 0.5], "reads per-sample arrays"),
        ({}, [0.5, 0.2, 0.3], "class_prior must hold 2 positive shares"),
        ({}, [0.0, 1.0], "class_prior must hold 2 positive shares"),
        ({}, ["a", "b"], "class_prior must hold 2"),
    ],
)
def test_with_class_prior_refuses_what_it_cannot_do(params, call, match):
    X, y = _draw(1000, 0.2, seed=4)
    fit_params = {"amount": np.ones(len(y))} if "scoring" in params else {}
    clf = ThresholdedClassifier(LogisticRegression(), **params).fit(X, y, **fit_params)
    with pytest.raises(ValueError, match=match):
        clf.with_class_prior(call)


def test_class_prior_of_the_wrong_length_is_refused_at_fit():
    X, y = _draw(500, 0.2, seed=4)
    with pytest.raises(ValueError, match=r"one per class of \[0, 1\]"):
        _fit(X, y, class_prior=[0.2, 0.3, 0.5])


@pytest.mark.parametrize("rate", [0.02, 0.3])
def test_em_estimates_the_new_balance(rate):
    X, y = _draw(8000, 0.1, seed=5)
    clf = _fit(X, y)
    X_new, y_new = _draw(8000, rate, seed=6)
    prior, n_iter = clf.estimate_class_prior(X_new, return_n_iter=True)
    assert prior[1] == pytest.approx(y_new.mean(), abs=0.02)
    assert prior.sum() == pytest.approx(1)
    assert 1 <= n_iter < 100


def test_em_reports_no_convergence_and_takes_weights():
    X, y = _draw(4000, 0.1, seed=5)
    clf = _fit(X, y)
    X_new, _ = _draw(4000, 0.4, seed=6)
    with pytest.warns(ConvergenceWarning, match="max_iter=1 EM"):
        clf.estimate_class_prior(X_new, max_iter=1)
    doubled = clf.estimate_class_prior(np.r_[X_new, X_new])
    weighted = clf.estimate_class_prior(X_new, sample_weight=np.full(len(X_new), 2.0))
    np.testing.assert_allclose(doubled, weighted)


def test_em_kernel_recovers_a_known_mixture():
    rng = np.random.default_rng(0)
    # Calibrated probabilities for two classes whose scores are N(+-1, 1),
    # at a training balance of 50%; new data has 20% positives.
    y = rng.random(200_000) < 0.2
    s = rng.normal(size=y.size) + np.where(y, 1.0, -1.0)
    p = 1 / (1 + np.exp(-2 * s))
    prior, _, converged = estimate_prior(np.c_[1 - p, p], np.array([0.5, 0.5]))
    assert converged and prior[1] == pytest.approx(0.2, abs=0.005)


def test_margins_are_calibrated_for_the_balance_methods():
    # LinearSVC has no probabilities: its held-out margins are calibrated.
    X, y = _draw(4000, 0.2, seed=7)
    X_new, y_new = _draw(4000, 0.5, seed=8)
    for clf in (
        ThresholdedClassifier(LinearSVC(), random_state=0).fit(X, y),
        _fit(X, y, response_method="decision_function"),
    ):
        assert clf.prior_calibration_["method"] == "sigmoid"
        assert abs(clf.estimate_class_prior(X_new)[1] - y_new.mean()) < 0.05
        assert clf.check_drift(X_new).verdict == "balance shift"


def test_drift_check_tells_balance_from_content():
    X, y = _draw(10_000, 0.1, seed=8)
    clf = _fit(X, y)
    X_same, _ = _draw(10_000, 0.1, seed=9)
    X_shift, _ = _draw(10_000, 0.4, seed=9)
    rng = np.random.default_rng(0)
    X_changed = X_same + rng.normal(size=X_same.shape)
    same = clf.check_drift(X_same)
    shift = clf.check_drift(X_shift)
    changed = clf.check_drift(X_changed)
    assert same.verdict == "no drift" and "still applies" in same.message
    assert shift.verdict == "balance shift"
    assert "with_class_prior" in shift.message
    assert shift.class_prior[1] == pytest.approx(0.4, abs=0.03)
    assert changed.verdict == "scores changed" and "retrain" in changed.message
    assert changed.p_value < 0.01 <= shift.p_value


def test_drift_check_allows_for_a_refit_with_few_distinct_scores():
    """A tree's refit moves its few scores: that alone is no drift."""
    X, y = _draw(20_000, 0.1, seed=13)
    X_new, _ = _draw(20_000, 0.1, seed=14)
    clf = ThresholdedClassifier(
        DecisionTreeClassifier(max_depth=3, random_state=0), random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturatedScoresWarning)
        clf.fit(X, y)
    report = clf.check_drift(X_new)
    assert report.verdict == "no drift"
    # Significant, but no farther than the fold models lie apart.
    assert report.p_value < 0.01
    assert (
        f"but within the {report.fold_distance:.3f} by which the folds' models "
        "differ" in report.message
    )
    assert report.fold_distance >= 0


def test_drift_check_compares_with_the_balance_the_rule_is_tuned_for():
    X, y = _draw(10_000, 0.1, seed=8)
    clf = _fit(X, y).with_class_prior([0.6, 0.4])
    X_same, _ = _draw(10_000, 0.1, seed=9)
    report = clf.check_drift(X_same)
    assert report.verdict == "balance shift"
    np.testing.assert_allclose(report.tuned_class_prior, [0.6, 0.4])


def test_class_prior_reweights_the_held_out_balance_not_ys():
    """A held-out part of another balance than y: fit and re-derivation agree."""
    X, y = _draw(3000, 0.2, seed=15)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    test = np.r_[positives[:300], negatives[:300]]
    train = np.setdiff1d(np.arange(y.size), test)
    split = [(train, test)]
    plain = _fit(X, y, cv=split)
    refitted = _fit(X, y, cv=split, class_prior=[0.5, 0.5])
    shifted = plain.with_class_prior([0.5, 0.5])
    # The held-out part already holds the classes half and half.
    assert refitted.decision_threshold_ == plain.decision_threshold_
    assert shifted.decision_threshold_ == plain.decision_threshold_


def test_drift_check_for_three_classes():
    X, y = _draw(9000, 0.2, seed=10, n_classes=3)
    clf = _fit(X, y, scoring="f1_macro")
    X_shift, _ = _draw(9000, 0.05, seed=11, n_classes=3)
    assert clf.check_drift(X_shift).verdict == "balance shift"
    assert clf.check_drift(X_shift * 0.5).verdict == "scores changed"


def test_drift_check_needs_a_tuned_fit():
    X, y = _draw(500, 0.2, seed=12)
    clf = _fit(X, y, threshold=0.4)
    with pytest.raises(ValueError, match="fitted without folds"):
        clf.check_drift(X)
    with pytest.raises(ValueError, match="alpha must be in"):
        _fit(X, y).check_drift(X, alpha=2)


def test_ks_kernel_against_a_direct_computation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), np.round(rng.normal(0.3, size=200), 1)
    w = rng.random(200)
    reference = np.unique(b)
    between = (reference[:-1] + reference[1:]) / 2
    direct = max(abs(np.mean(a <= g) - w[b <= g].sum() / w.sum()) for g in between)
    assert ks_statistic(a, b, w) == pytest.approx(direct)


def test_ks_p_value_is_scipys_asymptotic_one():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=400), rng.normal(0.25, size=300)
    found = stats.ks_2samp(a, b, method="asymp")
    assert ks_p_value(found.statistic, 400, 300) == pytest.approx(found.pvalue, rel=0.1)
    assert ks_p_value(0.01, 400, 300) == 1.0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_prior_interval_covers_the_true_balance_at_its_level(n_classes):
    # Calibrated probabilities of Gaussian classes (unit spread, centres 0,
    # 1.5, 3) tuned at equal shares; new data drawn at another balance.
    rng = np.random.default_rng(0)
    centres = np.arange(n_classes) * 1.5
    train = np.full(n_classes, 1 / n_classes)
    truth = np.r_[0.7, np.full(n_classes - 1, 0.3 / (n_classes - 1))]
    covered = np.zeros(n_classes)
    n_draws = 200
    for _ in range(n_draws):
        y = rng.choice(n_classes, size=400, p=truth)
        x = centres[y] + rng.normal(size=y.size)
        logits = -((x[:, None] - centres) ** 2) / 2
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        prior = estimate_prior(proba, train, tol=1e-10, max_iter=1000)[0]
        low, high = prior_interval(proba, train, prior, None, 0.9)
        covered += (low <= truth) & (truth <= high)
    # 200 draws: a 90% interval covers 84% to 96% of them (3 standard errors).
    assert np.all(np.abs(covered / n_draws - 0.9) < 0.06), covered / n_draws


def test_prior_interval_stays_in_the_unit_interval_at_the_boundary():
    proba = np.array([[0.01, 0.99], [0.02, 0.98], [0.05, 0.95]])
    train = np.array([0.8, 0.2])
    prior = estimate_prior(proba, train, tol=1e-10, max_iter=10_000)[0]
    low, high = prior_interval(proba, train, prior, None, 0.9)
    assert prior[1] > 0.99
    assert 0 <= low[1] < 0.9 and high[1] == 1.0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_prior_interval_of_many_rows_is_the_profile_one(n_classes, monkeypatch):
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(n_classes) * 0.7, size=20_000)
    train = np.full(n_classes, 1 / n_classes)
    prior = estimate_prior(proba, train, tol=1e-12, max_iter=10_000)[0]
    wald = prior_interval(proba, train, prior, None, 0.9)
    monkeypatch.setattr("threshold_estimator._shift.PROFILE_ROWS", 10**9)
    profile = prior_interval(proba, train, prior, None, 0.9)
    width = (profile[1] - profile[0]).min()
    np.testing.assert_allclose(wald, profile, atol=0.1 * width)


def test_few_rows_give_a_warned_estimate_that_with_class_prior_refuses():
    X, y = _draw(4000, 0.2, seed=0)
    clf = _fit(X, y)
    X_new, _ = _draw(2000, 0.2, seed=1)
    with pytest.warns(FewSamplesWarning, match="from 5 rows, fewer than the 100"):
        few = clf.estimate_class_prior(X_new[:5])
    assert few.n_samples == 5 and few.interval.shape == (2, 2)
    with pytest.raises(ValueError, match="estimated from 5 rows, fewer than 100"):
        clf.with_class_prior(few)
    # The same numbers, given as a known balance, are the user's decision.
    assert clf.with_class_prior(list(few)).class_prior_.shape == (2,)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewSamplesWarning)
        enough = clf.estimate_class_prior(X_new[:MIN_PRIOR_ROWS])
    low, high = enough.interval[:, 1]
    assert low < enough[1] < high and high - low < 0.3
    assert clf.with_class_prior(enough).decision_threshold_ > 0


def test_estimated_prior_is_a_plain_array_once_taken_apart():
    prior = ClassPrior.from_estimate(
        np.array([0.7, 0.3]), np.array([[0.6, 0.2], [0.8, 0.4]]), 0.9, 500
    )
    assert (prior * 2).n_samples is None and prior[:1].interval is None
    import pickle

    again = pickle.loads(pickle.dumps(prior))
    assert type(again) is np.ndarray and again.tolist() == [0.7, 0.3]


def test_drift_check_refuses_too_few_rows_and_says_how_many_it_needs():
    X, y = _draw(4000, 0.2, seed=0)
    clf = _fit(X, y)
    X_new, _ = _draw(2000, 0.2, seed=1)
    with pytest.raises(ValueError, match=r"got 3 rows, too few.*at least (\d+) rows"):
        clf.check_drift(X_new[:3])
    report = clf.check_drift(X_new[:300])
    assert report.verdict == "no drift"
    assert 0.05 < report.detectable_distance < 0.15
    assert (
        f"below the {report.detectable_distance:.3f} that 300 rows detect at "
        f"alpha=0.01; at the balance the rule is tuned for" in report.message
    )
    assert f"below the {report.stale_detectable_distance:.3f} they detect" in (
        report.message
    )


def test_detectable_distance_falls_with_rows_and_inverts_rows_to_detect():
    distances = [detectable_distance(n, 5000, 0.01) for n in (10, 100, 1000)]
    assert distances[0] > distances[1] > distances[2]
    needed = rows_to_detect(0.25, 5000, 0.01)
    assert detectable_distance(needed, 5000, 0.01) <= 0.25
    assert detectable_distance(needed - 1, 5000, 0.01) > 0.25
    # At the distance the asymptotic p-value sits at alpha.
    assert ks_p_value(distances[1], 100, 5000) == pytest.approx(0.01, abs=1e-6)


def _comparison(statistic, p_value, detectable):
    return Bunch(statistic=statistic, p_value=p_value, detectable=detectable)


@pytest.mark.parametrize(
    "adjusted, stale, verdict, quoted, not_quoted",
    [
        # Neither comparison counts, at alpha=0.05 the new balance's would:
        # both are quoted, each with what it was measured against.
        (
            (0.092, 0.046, 0.094),
            (0.080, 0.1, 0.092),
            "no drift",
            [
                "at the new data's estimated balance (0: 0.93, 1: 0.07), the new "
                "scores' distance from the held-out ones is KS 0.092 (p = 0.046), "
                "below the 0.094 that 300 rows detect at alpha=0.01;",
                "at the balance the rule is tuned for (0: 0.9, 1: 0.1), it is KS "
                "0.080 (p = 0.1), below the 0.092 they detect; the threshold "
                "still applies.",
            ],
            [],
        ),
        (
            (0.070, 0.001, 0.06),
            (0.072, 0.0008, 0.06),
            "no drift",
            [
                "KS 0.070 (p = 0.001), beyond the 0.060 that 300 rows detect at "
                "alpha=0.01 but within the 0.080 by which the folds' models "
                "differ, as a refit's may;",
                "KS 0.072 (p = 0.0008), beyond the 0.060 they detect but within "
                "the folds' 0.080;",
            ],
            [],
        ),
        (
            (0.050, 0.4, 0.094),
            (0.200, 1e-9, 0.092),
            "balance shift",
            [
                "KS 0.050 (p = 0.4), below the 0.094 that 300 rows detect",
                "KS 0.200 (p = 1e-09), beyond the 0.092 they detect and the "
                "folds' 0.080. Re-derive the threshold",
            ],
            ["less than one of the"],
        ),
        # The verdict rests on the new balance's comparison alone.
        (
            (0.161, 7e-8, 0.089),
            (0.139, 3.6e-6, 0.088),
            "scores changed",
            [
                "The scores themselves changed: at the new data's estimated "
                "balance (0: 0.93, 1: 0.07), the new scores' distance from the "
                "held-out ones is KS 0.161 (p = 7e-08), beyond the 0.089 that 300 "
                "rows detect at alpha=0.01 and the 0.080 by which the folds' "
                "models differ, as a refit's may. A threshold cannot fix this",
            ],
            ["0.139", "tuned for"],
        ),
    ],
)
def test_drift_report_quotes_the_comparisons_that_decided(
    adjusted, stale, verdict, quoted, not_quoted
):
    found = {"adjusted": _comparison(*adjusted), "stale": _comparison(*stale)}
    report = drift_report(
        found,
        np.array([0.93, 0.07]),
        np.array([0.9, 0.1]),
        np.array([0, 1]),
        300,
        0.01,
        0.08,
    )
    assert report.verdict == verdict
    for text in quoted:
        assert text in report.message
    for text in not_quoted:
        assert text not in report.message
    assert (report.statistic, report.p_value, report.detectable_distance) == adjusted
    assert (
        report.stale_statistic,
        report.stale_p_value,
        report.stale_detectable_distance,
    ) == stale


def test_a_balance_that_leaves_a_class_no_row_is_questioned():
    found = {
        "adjusted": _comparison(0.094, 0.043, 0.111),
        "stale": _comparison(0.151, 6.2e-5, 0.108),
    }
    report = drift_report(
        found,
        np.array([1 - 6e-8, 6e-8]),
        np.array([0.9, 0.1]),
        np.array(["ham", "spam"]),
        400,
        0.01,
        0.014,
    )
    assert report.verdict == "balance shift"
    assert (
        "The estimate leaves class 'spam' less than one of the 400 rows: the new "
        "data may hold none, or its samples may no longer score as they did"
    ) in report.message


def test_sampling_distance_is_the_mean_distance_of_two_samples():
    rng = np.random.default_rng(0)
    distances = [
        ks_statistic(rng.normal(size=400), rng.normal(size=1600), np.ones(1600))
        for _ in range(400)
    ]
    assert np.mean(distances) == pytest.approx(sampling_distance(400, 1600), rel=0.1)


def test_fold_distance_leaves_out_what_sampling_puts_between_folds():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=2000)
    labels = (rng.random(2000) < 0.3).astype(np.intp)
    fold = rng.integers(0, 5, size=2000)
    # The same scores, split at random: a fold lies from the rest about as
    # far as sampling puts it, which check_drift's p-values allow for.
    same = summarize(scores, labels, 2, fold=fold).fold_distance
    assert same < 0.5 * sampling_distance(400, 1600)
    # One fold's model scores 0.3 higher: that is what remains.
    moved = summarize(scores + 0.3 * (fold == 0), labels, 2, fold=fold)
    rest = scores[fold != 0]
    raw = ks_statistic(scores[fold == 0] + 0.3, rest, np.ones(rest.size))
    assert moved.fold_distance == pytest.approx(
        raw - sampling_distance(np.sum(fold == 0), rest.size), abs=0.01
    )


@pytest.mark.parametrize(
    "move",
    [lambda X: X * 0.7, lambda X: X + [1.0, 0.0, 0.0, 0.0]],
    ids=["scaled", "shifted"],
)
def test_a_feature_shift_beyond_the_detectable_distance_is_scores_changed(move):
    X, y = _draw(2000, 0.2, seed=16)
    clf = _fit(X, y)
    X_new, _ = _draw(400, 0.2, seed=17)
    X_ref, _ = _draw(20_000, 0.2, seed=18)
    shifted = move(X_new)
    # The new rows' scores lie from those of unshifted rows farther than 400
    # rows can detect and than the folds' models differ.
    moved = ks_statistic(
        clf.predict_proba(shifted)[:, 1],
        clf.predict_proba(X_ref)[:, 1],
        np.ones(len(X_ref)),
    )
    report = clf.check_drift(shifted)
    assert moved > max(report.detectable_distance, report.fold_distance) + 0.02
    assert report.verdict == "scores changed"
    assert clf.check_drift(X_new).verdict == "no drift"


def test_fainter_digits_are_scores_changed_not_no_drift():
    """Digits with fainter ink: a pixel model's recall halves. The folds of
    900 rows lie apart by about as much as sampling 180 of them puts between
    them; counted in the allowance, that hid the change."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y == 5, train_size=900, test_size=400, random_state=1, stratify=y == 5
    )
    model = make_pipeline(MinMaxScaler(), LogisticRegression())
    clf = ThresholdedClassifier(model, scoring="f1", random_state=0)
    clf.fit(X_train, y_train)
    faint = X_test * 0.6
    assert recall_score(y_test, clf.predict(faint)) < 0.5 * recall_score(
        y_test, clf.predict(X_test)
    )
    assert clf.check_drift(X_test).verdict == "no drift"
    report = clf.check_drift(faint)
    assert report.verdict == "scores changed"
    assert report.fold_distance < report.statistic
    assert f"KS {report.statistic:.3f}" in report.message

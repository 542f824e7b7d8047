import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer, precision_score, recall_score
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from threshold_estimator import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    InfeasibleFoldsWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
    ThresholdedClassifier,
)
from threshold_estimator._search import (
    best_cut,
    cut_thresholds,
    margin_to_threshold,
    objective_curve,
    value_at,
)
from threshold_estimator.objectives import (
    constrained,
    cost,
    fbeta,
    from_counts,
    get_objective,
)

FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)


def held_out_folds(X, y, cv=FOLDS, estimator=None):
    """Held-out positive-class probabilities of each fold, computed by hand."""
    estimator = estimator or LogisticRegression()
    out = []
    for train, test in cv.split(X, y):
        model = clone(estimator).fit(X[train], y[train])
        out.append((y[test] == 1, model.predict_proba(X[test])[:, 1]))
    return out


class WeightSpy(ClassifierMixin, BaseEstimator):
    """Logistic regression that records the sample weights of each fit."""

    log = []  # on the class: clones share it

    def fit(self, X, y, sample_weight=None):
        self.log.append(None if sample_weight is None else sample_weight.copy())
        self.model_ = LogisticRegression().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


@pytest.mark.parametrize("scoring", ["f1", "balanced_accuracy", "mcc", fbeta(2)])
def test_fold_thresholds_are_exact_optima_of_held_out_scores(binary_data, scoring):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), scoring=scoring, cv=FOLDS)
    clf.fit(X, y)
    objective = get_objective(scoring) if isinstance(scoring, str) else scoring
    for t, (y_true, scores) in zip(
        clf.fold_thresholds_, held_out_folds(X, y), strict=True
    ):
        candidates = np.concatenate(([np.inf], np.unique(scores)))
        brute = max(value_at(objective, y_true, scores, None, c) for c in candidates)
        assert value_at(objective, y_true, scores, None, t) == pytest.approx(brute)
        assert t not in scores


@pytest.mark.parametrize("aggregation", ["median", "mean"])
def test_median_and_mean_aggregate_the_fold_thresholds(binary_data, aggregation):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, aggregation=aggregation
    ).fit(X, y)
    expected = getattr(np, aggregation)(clf.fold_thresholds_)
    assert clf.decision_threshold_ == pytest.approx(expected)
    assert clf.aggregation_ == aggregation


def test_pooled_searches_all_held_out_scores_at_once(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, aggregation="pooled"
    ).fit(X, y)
    folds = held_out_folds(X, y)
    y_true = np.concatenate([f[0] for f in folds])
    scores = np.concatenate([f[1] for f in folds])
    thresholds, values = objective_curve(get_objective("f1"), y_true, scores)
    assert clf.decision_threshold_ == pytest.approx(thresholds[best_cut(values)])


def test_pooled_is_the_default_aggregation(binary_data):
    X, y = binary_data
    default = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    pooled = ThresholdedClassifier(
        LogisticRegression(), cv=FOLDS, aggregation="pooled"
    ).fit(X, y)
    assert default.aggregation_ == "pooled"
    assert default.decision_threshold_ == pooled.decision_threshold_
    assert default.decision_threshold_ != np.median(default.fold_thresholds_)


def test_best_score_is_mean_held_out_objective_at_the_threshold(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), scoring="f1", cv=FOLDS).fit(X, y)
    expected = [
        f1_score(y_true, scores >= clf.decision_threshold_)
        for y_true, scores in held_out_folds(X, y)
    ]
    np.testing.assert_allclose(clf.fold_scores_, expected)
    assert clf.best_score_ == pytest.approx(np.mean(expected))


def test_predict_applies_the_tuned_threshold(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), scoring="f1", cv=FOLDS).fit(X, y)
    proba = clf.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(
        clf.predict(X), (proba >= clf.decision_threshold_).astype(int)
    )
    assert not np.array_equal(clf.predict(X), clf.estimator_.predict(X))
    np.testing.assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    np.testing.assert_array_equal(
        clf.predict_log_proba(X), clf.estimator_.predict_log_proba(X)
    )


@pytest.mark.parametrize("estimator", [LogisticRegression(), LinearSVC()])
@pytest.mark.parametrize("pos_label", [0, 1])
def test_decision_function_is_positive_exactly_where_predict_says_classes_1(
    binary_data, estimator, pos_label
):
    X, y = binary_data
    clf = ThresholdedClassifier(
        estimator, scoring="f1", cv=FOLDS, pos_label=pos_label
    ).fit(X, y)
    margin = clf.decision_function(X)
    np.testing.assert_array_equal(margin > 0, clf.predict(X) == clf.classes_[1])
    assert not (margin == 0).any()


@pytest.mark.parametrize("pos_label", [0, 1])
def test_roc_auc_of_the_decision_function_ignores_pos_label(binary_data, pos_label):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), pos_label=pos_label, cv=FOLDS)
    auc = cross_val_score(clf, X, y, scoring="roc_auc", cv=3)
    assert auc.min() > 0.8


def test_decision_function_is_log_odds_margin_for_probabilities(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    p = clf.predict_proba(X)[:, 1]
    t = clf.decision_threshold_
    expected = np.log(p / (1 - p)) - np.log(t / (1 - t))
    np.testing.assert_allclose(clf.decision_function(X), expected, atol=1e-9)


@pytest.mark.parametrize("threshold", [0.0, 0.5, 1.0])
def test_decision_function_sign_holds_at_the_probability_bounds(threshold):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    clf = ThresholdedClassifier(LogisticRegression(C=1e6), threshold=threshold)
    clf.fit(X, y)
    proba = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.decision_function(X) > 0, proba >= threshold)
    np.testing.assert_array_equal(clf.predict(X) == 1, proba >= threshold)


@pytest.mark.parametrize("threshold", [1.2, -0.3])
def test_margin_sign_holds_beyond_the_probability_bounds(threshold):
    # A tuned threshold lies beyond the extreme score when no score may pass.
    scores = np.array([0.0, 1e-20, 0.3, 1 - 1e-16, 1.0])
    margin = margin_to_threshold(scores, threshold, log_odds=True)
    np.testing.assert_array_equal(margin > 0, scores >= threshold)
    assert np.isfinite(margin).all()


def test_a_fixed_margin_threshold_may_leave_0_1(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), threshold=1.5, response_method="decision_function"
    ).fit(X, y)
    raw = clf.estimator_.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), (raw >= 1.5).astype(int))


def test_a_fixed_threshold_on_string_labels_needs_no_pos_label(binary_data):
    # The threshold is of classes_[1]'s probability, whatever the objective.
    X, y = binary_data
    labels = np.array(["ham", "spam"])[y]
    clf = ThresholdedClassifier(LogisticRegression(), scoring="f1", threshold=0.3)
    clf.fit(X, labels)
    assert clf.pos_label_ == "spam"
    proba = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X) == "spam", proba >= 0.3)


def test_decision_function_response_thresholds_the_margin(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), response_method="decision_function", cv=FOLDS
    ).fit(X, y)
    raw = clf.estimator_.decision_function(X)
    np.testing.assert_allclose(clf.decision_function(X), raw - clf.decision_threshold_)
    assert (clf.fold_thresholds_ < 0).any() or (clf.fold_thresholds_ > 1).any()


def test_fixed_threshold_skips_the_folds(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), threshold=0.3).fit(X, y)
    assert clf.decision_threshold_ == 0.3
    assert not hasattr(clf, "fold_thresholds_")
    proba = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.3).astype(int))


def _holdout(X, y, fraction, random_state):
    """The model and held-out part of a stratified holdout, done by hand."""
    split = StratifiedShuffleSplit(1, test_size=fraction, random_state=random_state)
    train, test = next(split.split(X, y))
    return LogisticRegression().fit(X[train], y[train]), test


def test_refit_false_keeps_the_model_the_threshold_was_tuned_on(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), cv=0.25, refit=False, random_state=0
    ).fit(X, y)
    model, test = _holdout(X, y, 0.25, random_state=0)
    np.testing.assert_array_equal(clf.estimator_.coef_, model.coef_)
    thresholds, values = objective_curve(
        get_objective("balanced_accuracy"),
        y[test] == 1,
        model.predict_proba(X[test])[:, 1],
    )
    assert clf.decision_threshold_ == thresholds[best_cut(values)]


def test_float_cv_is_one_stratified_holdout_of_that_fraction(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), cv=0.25, store_cv_results=True, random_state=0
    ).fit(X, y)
    model, test = _holdout(X, y, 0.25, random_state=0)
    assert test.size == 150 and y[test].mean() == pytest.approx(y.mean(), abs=0.01)
    scores = np.unique(model.predict_proba(X[test])[:, 1])[::-1]
    (thresholds,) = clf.cv_results_["thresholds"]
    np.testing.assert_array_equal(thresholds, cut_thresholds(scores))


def test_sample_weight_reaches_the_estimator_and_weighs_the_objective(binary_data):
    X, y = binary_data
    weight = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    log = WeightSpy.log
    log.clear()
    clf = ThresholdedClassifier(WeightSpy(), scoring="f1", cv=FOLDS)
    clf.fit(X, y, sample_weight=weight)
    assert len(log) == 6  # five folds and the refit
    np.testing.assert_array_equal(log[-1], weight)
    for fit_weight, (train, _) in zip(log, FOLDS.split(X, y), strict=False):
        np.testing.assert_array_equal(fit_weight, weight[train])
    # The fold optimum is that of the weighted counts.
    for t, (_, test), fold_weight in zip(
        clf.fold_thresholds_, FOLDS.split(X, y), log, strict=False
    ):
        model = LogisticRegression().fit(
            np.delete(X, test, axis=0), np.delete(y, test), sample_weight=fold_weight
        )
        scores = model.predict_proba(X[test])[:, 1]
        y_true, w = y[test] == 1, weight[test]
        candidates = np.concatenate(([np.inf], np.unique(scores)))
        f1 = get_objective("f1")
        brute = max(value_at(f1, y_true, scores, w, c) for c in candidates)
        assert value_at(f1, y_true, scores, w, t) == pytest.approx(brute)


def test_sample_weight_is_routed_when_routing_is_enabled(binary_data):
    X, y = binary_data
    weight = np.linspace(0.5, 2.0, y.size)
    log = WeightSpy.log
    log.clear()
    with config_context(enable_metadata_routing=True):
        spy = WeightSpy().set_fit_request(sample_weight=True)
        ThresholdedClassifier(spy, cv=FOLDS).fit(X, y, sample_weight=weight)
        assert all(w is not None for w in log)
        log.clear()
        spy = WeightSpy().set_fit_request(sample_weight=False)
        ThresholdedClassifier(spy, cv=FOLDS).fit(X, y, sample_weight=weight)
        assert all(w is None for w in log)


def test_groups_are_routed_to_the_splitter(binary_data):
    X, y = binary_data
    groups = np.arange(y.size) % 6
    with config_context(enable_metadata_routing=True):
        clf = ThresholdedClassifier(LogisticRegression(), cv=GroupKFold(3))
        clf.fit(X, y, groups=groups)
    assert len(clf.fold_thresholds_) == 3


def test_scorer_gives_the_same_threshold_as_the_objective(binary_data):
    X, y = binary_data
    by_name = ThresholdedClassifier(LogisticRegression(), scoring="f1", cv=FOLDS)
    by_scorer = ThresholdedClassifier(
        LogisticRegression(), scoring=make_scorer(f1_score), cv=FOLDS
    )
    np.testing.assert_allclose(
        by_name.fit(X, y).fold_thresholds_, by_scorer.fit(X, y).fold_thresholds_
    )
    assert by_name.best_score_ == pytest.approx(by_scorer.best_score_)


def test_scorer_sees_original_string_labels(binary_data):
    X, y = binary_data
    labels = np.array(["ham", "spam"])[y]
    scorer = make_scorer(f1_score, pos_label="spam")
    clf = ThresholdedClassifier(LogisticRegression(), scoring=scorer, cv=FOLDS)
    clf.fit(X, labels)
    assert set(clf.predict(X)) == {"ham", "spam"}
    assert 0 < clf.best_score_ <= 1


@pytest.mark.parametrize(
    "scoring", ["roc_auc", "average_precision", "neg_log_loss", "neg_brier_score"]
)
def test_threshold_free_scorers_are_refused(binary_data, scoring):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), scoring=scoring)
    with pytest.raises(ValueError, match="same value at every decision threshold"):
        clf.fit(X, y)


def test_a_scorer_reading_probabilities_is_refused_when_called(binary_data):
    X, y = binary_data

    def mean_proba(estimator, X, y):
        return estimator.predict_proba(X)[:, 1].mean()

    clf = ThresholdedClassifier(LogisticRegression(), scoring=mean_proba)
    with pytest.raises(ValueError, match="same value at every decision threshold"):
        clf.fit(X, y)


def test_a_bug_in_a_scorer_is_not_mistaken_for_a_threshold_free_one(binary_data):
    X, y = binary_data

    def buggy(estimator, X, y):
        return estimator.predict(X).mean_value  # no such attribute

    clf = ThresholdedClassifier(LogisticRegression(), scoring=buggy)
    with pytest.raises(AttributeError, match="mean_value"):
        clf.fit(X, y)


def test_store_cv_results_keeps_bounded_curves_with_each_optimum():
    X, y = make_classification(n_samples=12_000, weights=[0.7], random_state=0)
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, store_cv_results=True
    ).fit(X, y)
    for t, thresholds, scores in zip(
        clf.fold_thresholds_,
        clf.cv_results_["thresholds"],
        clf.cv_results_["scores"],
        strict=True,
    ):
        assert thresholds.size == scores.size <= 1000
        assert np.all(np.diff(thresholds) < 0)
        assert t in thresholds
        assert scores[thresholds == t][0] == scores.max()


def test_no_training_rows_survive_fit(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    summary = clf.held_out_summary_
    for name, value in vars(clf).items():
        if name != "held_out_summary_":
            assert np.ndim(value) == 0 or len(value) < 100, name
    assert not hasattr(clf, "cv_results_")
    # The summary holds scores, one per distinct held-out score, no feature.
    assert summary["scores"].ndim == 1
    assert summary["scores"].size == np.unique(summary["scores"]).size
    assert summary["weight"].sum() == summary["n_samples"] == len(y)


def test_same_random_state_gives_the_same_threshold(binary_data):
    X, y = binary_data
    a = ThresholdedClassifier(LogisticRegression(), random_state=3).fit(X, y)
    b = ThresholdedClassifier(LogisticRegression(), random_state=3).fit(X, y)
    c = ThresholdedClassifier(LogisticRegression(), random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.fold_thresholds_, b.fold_thresholds_)
    assert not np.array_equal(a.fold_thresholds_, c.fold_thresholds_)


class ConstantScores(ClassifierMixin, BaseEstimator):
    def __init__(self, value=0.5):
        self.value = value

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        p = np.full(len(X), self.value)
        return np.c_[1 - p, p]


def _bad_fit(params, X, y, **fit_kwargs):
    ThresholdedClassifier(**params).fit(X, y, **fit_kwargs)


X_SMALL, Y_SMALL = make_classification(n_samples=100, random_state=0)


@pytest.mark.parametrize(
    "params, X, y, fit_kwargs, error, match",
    [
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            np.linspace(0, 1, 100),
            {},
            ValueError,
            "Unknown label type: continuous",
        ),
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            np.zeros(100),
            {},
            ValueError,
            r"y has one class, 0.0 \(all 100 samples\), but a decision rule needs "
            "samples of at least two classes",
        ),
        (
            {"estimator": LogisticRegression(), "pos_label": 2},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            r"pos_label=2 is not a class of y; use one of \[0, 1\]",
        ),
        (
            {"estimator": LogisticRegression(), "cv": 5},
            X_SMALL,
            np.r_[np.ones(3), np.zeros(97)],
            {},
            ValueError,
            "y has 3 samples of class 1.0, fewer than cv=5 folds",
        ),
        (
            {
                "estimator": LogisticRegression(),
                "cv": [(np.arange(50), np.arange(50, 100))],
            },
            X_SMALL,
            np.r_[np.ones(50), np.zeros(50)],
            {},
            ValueError,
            "The training part of fold 0 of cv holds no sample of class 0.0; every "
            "fold needs every class. The splits do not stratify by class: use a "
            r"stratified splitter such as StratifiedKFold\(n_splits, shuffle=True\)",
        ),
        (
            {"estimator": LogisticRegression(), "cv": []},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            r"cv made no splits; pass a splitter or at least one \(train, test\)",
        ),
        (
            {"estimator": LogisticRegression(), "cv": 3},
            X_SMALL,
            np.r_[np.ones(1), np.zeros(99)],
            {},
            ValueError,
            "fewer than cv=3 folds.*Tuning needs at least 2 samples of each class",
        ),
        (
            {"estimator": LogisticRegression(), "threshold": np.nan},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "The 'threshold' parameter of ThresholdedClassifier must be",
        ),
        (
            {
                "estimator": DecisionTreeClassifier(),
                "response_method": "decision_function",
            },
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "response_method='decision_function', but DecisionTreeClassifier has "
            "no decision_function method",
        ),
        (
            {"estimator": LogisticRegression(), "refit": False},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "refit=False keeps the model of a single split, but cv makes 5 splits",
        ),
        (
            {"estimator": ConstantScores()},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            r"predict_proba is constant \(0.5\) on the held-out part of fold 0",
        ),
        (
            {"estimator": ConstantScores(np.nan)},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "gave NaN or infinite scores on the held-out part of fold 0",
        ),
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            Y_SMALL,
            {"sample_weight": -np.ones(100)},
            ValueError,
            "sample_weight must be non-negative",
        ),
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            Y_SMALL,
            {"sample_weight": np.zeros(100)},
            ValueError,
            "sample_weight is zero everywhere|at least one non-zero",
        ),
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            Y_SMALL,
            {"sample_weight": np.r_[np.nan, np.ones(99)]},
            ValueError,
            "sample_weight.*NaN",
        ),
        (
            {"estimator": LogisticRegression()},
            X_SMALL,
            Y_SMALL,
            {"sample_weight": np.ones(3)},
            ValueError,
            "sample_weight.shape",
        ),
        (
            {"estimator": DecisionTreeClassifier().fit(X_SMALL, Y_SMALL).apply},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "The 'estimator' parameter of ThresholdedClassifier must be an object "
            "implementing 'fit' and 'predict_proba'",
        ),
        (
            {"estimator": LogisticRegression(), "scoring": "not_a_metric"},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "scoring='not_a_metric' is neither an objective",
        ),
        (
            {
                "estimator": LogisticRegression(),
                "scoring": lambda tn, fp, fn, tp: tp - fp,
            },
            X_SMALL,
            Y_SMALL,
            {},
            TypeError,
            r"takes confusion counts.*objectives.from_counts\(...\)",
        ),
        (
            {"estimator": LogisticRegression(), "threshold": 1.5},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            r"threshold=1.5 is compared with LogisticRegression's predict_proba, a "
            "probability, so it would predict one class for every sample. Give a "
            r"probability in \[0, 1\], or response_method='decision_function' for "
            "a threshold of the estimator's margins.",
        ),
        (
            {"estimator": DecisionTreeClassifier(), "threshold": -0.2},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            r"threshold=-0.2 is compared with DecisionTreeClassifier's "
            r"predict_proba.*Give a probability in \[0, 1\]\.$",
        ),
        (
            {"estimator": LogisticRegression(), "scoring": "f1"},
            X_SMALL,
            np.array(["ham", "spam"])[Y_SMALL],
            {},
            ValueError,
            r"pos_label=None, but scoring='f1' counts one class as positive.*Pass "
            r"pos_label='(ham|spam)' \(the class the objective counts as positive",
        ),
        (
            {
                "estimator": LogisticRegression(),
                "scoring": cost(fp=1, fn=10),
                "threshold": "bayes",
            },
            X_SMALL,
            np.array(["ham", "spam"])[Y_SMALL],
            {},
            ValueError,
            r"pos_label=None, but scoring=cost\(fp=1, fn=10\) counts one class",
        ),
        (
            {"estimator": LogisticRegression(), "scoring": f1_score},
            X_SMALL,
            Y_SMALL,
            {},
            TypeError,
            r"scoring=f1_score is a metric function.*Wrap it: "
            r"scoring=make_scorer\(f1_score\)",
        ),
        (
            {"estimator": LogisticRegression(), "aggregation": "max"},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "The 'aggregation' parameter",
        ),
        (
            {"estimator": LogisticRegression(), "aggregation": "auto"},
            X_SMALL,
            Y_SMALL,
            {},
            ValueError,
            "The 'aggregation' parameter.*'pooled'",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(params, X, y, fit_kwargs, error, match):
    with pytest.raises(error, match=match):
        _bad_fit(params, X, y, **fit_kwargs)


def test_a_one_class_training_split_of_an_outer_cv_is_named():
    y = np.sort(Y_SMALL)  # unshuffled: KFold(2) trains on one class
    with pytest.raises(
        ValueError,
        match=r"y has one class, 1 \(all 50 samples\).*under an outer "
        r"cross-validation \(GridSearchCV, cross_val_score\), split with a "
        "stratified splitter such as StratifiedKFold",
    ):
        cross_val_score(
            ThresholdedClassifier(LogisticRegression()),
            X_SMALL,
            y,
            cv=KFold(2),
            error_score="raise",
        )


# 97 negatives then 3 positives.
Y_THREE = np.r_[np.zeros(97, dtype=int), np.ones(3, dtype=int)]


@pytest.mark.parametrize(
    "cv, y, fit_kwargs, match",
    [
        (
            StratifiedKFold(5),
            Y_THREE,
            {},
            r"held-out part of fold 0 of cv holds no sample of class 1; every fold "
            r"needs every class\. cv is already stratified \(StratifiedKFold\), but "
            "y has only 3 samples of class 1: use fewer folds, or more samples of "
            "that class.",
        ),
        (
            RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=0),
            Y_THREE,
            {},
            r"already stratified \(RepeatedStratifiedKFold\), but y has only 3 "
            "samples of class 1: use fewer folds",
        ),
        (
            StratifiedShuffleSplit(2, test_size=0.1, random_state=0),
            Y_THREE,
            {},
            r"already stratified \(StratifiedShuffleSplit\), but y has only 3 "
            "samples of class 1: use a larger test_size",
        ),
        (
            StratifiedGroupKFold(5),
            Y_THREE,
            {"groups": np.arange(100)},
            r"already stratified \(StratifiedGroupKFold\), but y has only 3",
        ),
        (
            3,
            Y_THREE,
            {"sample_weight": np.r_[np.ones(99), 0.0]},
            r"class 1 \(of non-zero weight\); every fold needs every class\. cv is "
            r"already stratified \(cv=3 makes a StratifiedKFold\), but y has only 2 "
            "samples of non-zero weight of class 1",
        ),
        (
            KFold(3),
            np.sort(Y_SMALL),
            {},
            "KFold does not stratify by class: use a stratified splitter such as "
            r"StratifiedKFold\(n_splits, shuffle=True\), or fewer folds\.",
        ),
        (
            GroupKFold(2),
            np.sort(Y_SMALL),
            {"groups": np.arange(100) // 50},
            "GroupKFold keeps groups apart but does not stratify by class: use "
            "StratifiedGroupKFold, which does both, or fewer folds.",
        ),
        (
            5,
            Y_SMALL,
            {"sample_weight": Y_SMALL.astype(float)},
            "sample_weight is zero for every sample of class 0: give some of them a "
            "weight, or leave the class out of y.",
        ),
    ],
    ids=[
        "StratifiedKFold",
        "RepeatedStratifiedKFold",
        "StratifiedShuffleSplit",
        "StratifiedGroupKFold",
        "int-weighted",
        "KFold",
        "GroupKFold",
        "zero-weight",
    ],
)
def test_a_fold_without_a_class_gets_advice_for_its_splitter(cv, y, fit_kwargs, match):
    clf = ThresholdedClassifier(LogisticRegression(), cv=cv)
    with pytest.raises(ValueError, match=match) as raised, warnings.catch_warnings():
        # Scikit-learn's splitters warn of a class smaller than n_splits.
        warnings.simplefilter("ignore", UserWarning)
        clf.fit(X_SMALL, y, **fit_kwargs)
    if "already stratified" in match:
        assert "stratified splitter" not in str(raised.value)


# pandas keeps strings in object arrays, whose items are plain str.
@pytest.mark.parametrize(
    "cv, positives, match",
    [
        (5, Y_THREE == 1, "y has 3 samples of class 'yes', fewer than cv=5 folds"),
        (
            [(np.arange(50), np.arange(50, 100))],
            np.arange(100) < 50,
            "The training part of fold 0 of cv holds no sample of class 'no'",
        ),
    ],
)
def test_a_missing_class_of_strings_in_an_object_array_is_named(cv, positives, match):
    y = np.where(positives, "yes", "no").astype(object)
    with pytest.raises(ValueError, match=match):
        ThresholdedClassifier(LogisticRegression(), cv=cv).fit(X_SMALL, y)


def test_saturated_scores_warn():
    X, y = make_classification(n_samples=1000, random_state=0)
    clf = ThresholdedClassifier(DecisionTreeClassifier(max_depth=1), cv=FOLDS)
    with pytest.warns(
        SaturatedScoresWarning,
        match=r"tied: the 200 samples take only 2 distinct scores, so the threshold "
        r"has 3 places to go\. A model with finer scores",
    ) as record:
        clf.fit(X, y)
    assert "decision_function" not in str(record[0].message)


def test_disagreeing_folds_warn():
    X, y = make_classification(
        n_samples=400, weights=[0.95], flip_y=0.1, class_sep=0.3, random_state=1
    )
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, aggregation="median"
    )
    with pytest.warns(FoldDisagreementWarning, match="disagree strongly"):
        clf.fit(X, y)


def test_threshold_beyond_every_score_warns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))  # no signal
    y = (rng.random(500) < 0.05).astype(int)
    clf = ThresholdedClassifier(LogisticRegression(), scoring="accuracy", cv=FOLDS)
    with pytest.warns(ThresholdAtEdgeWarning, match="above every held-out score"):
        clf.fit(X, y)
    assert (clf.predict(X) == 0).all()


def test_healthy_fit_is_silent():
    X, y = make_classification(n_samples=5000, weights=[0.7], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ThresholdedClassifier(LogisticRegression(), scoring="f1", cv=FOLDS).fit(X, y)


# Objectives with constraints and per-sample costs inside the estimator.


def test_infeasible_constraint_names_the_fold_and_the_reachable_bound():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))  # no signal: the top scores are mostly negatives
    y = (rng.random(600) < 0.2).astype(int)
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=constrained("recall", "precision", at_least=1.0),
        cv=FOLDS,
    )
    with pytest.raises(
        ValueError,
        match=r"allows no threshold on the held-out part of fold \d: no threshold "
        r"gives precision at least 1.0: the most reachable is 0\.\d+",
    ):
        clf.fit(X, y)


def _brute_best(scores, value):
    """The best value of a function of the threshold over every distinct cut."""
    candidates = np.concatenate(([np.inf], np.unique(scores)))
    return max(value(c) for c in candidates)


def test_capacity_bounds_the_flagged_share_in_every_fold(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=constrained("recall", "positive_rate", at_most=0.1),
        cv=FOLDS,
    ).fit(X, y)
    for t, (y_true, scores) in zip(
        clf.fold_thresholds_, held_out_folds(X, y), strict=True
    ):

        def recall_within_capacity(threshold, y_true=y_true, scores=scores):
            flagged = scores >= threshold
            return y_true[flagged].sum() if flagged.mean() <= 0.1 else -1

        assert np.mean(scores >= t) <= 0.1
        assert recall_within_capacity(t) == _brute_best(scores, recall_within_capacity)


def test_per_sample_costs_are_sliced_with_the_folds(binary_data):
    X, y = binary_data
    amount = np.random.default_rng(0).uniform(1, 100, size=y.size)
    objective = cost(fp=5, fn="amount")
    clf = ThresholdedClassifier(LogisticRegression(), scoring=objective, cv=FOLDS)
    clf.fit(X, y, amount=amount)
    for t, (y_true, scores), (_, test) in zip(
        clf.fold_thresholds_, held_out_folds(X, y), FOLDS.split(X, y), strict=True
    ):

        def saving(threshold, y_true=y_true, scores=scores, amount=amount[test]):
            flagged = scores >= threshold
            return -np.sum(5.0 * (~y_true & flagged) + amount * (y_true & ~flagged))

        assert saving(t) == pytest.approx(_brute_best(scores, saving))
    assert clf.best_score_ < 0  # minus a cost


def test_per_sample_costs_work_with_routing_enabled(binary_data):
    X, y = binary_data
    amount = np.linspace(1, 50, y.size)
    with config_context(enable_metadata_routing=True):
        routed = ThresholdedClassifier(
            LogisticRegression(), scoring=cost(fp=5, fn="amount"), cv=FOLDS
        ).fit(X, y, amount=amount)
    plain = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fp=5, fn="amount"), cv=FOLDS
    ).fit(X, y, amount=amount)
    assert routed.decision_threshold_ == plain.decision_threshold_


@pytest.mark.parametrize(
    "fit_kwargs, match",
    [
        ({}, r"reads the per-sample array 'amount': pass it as fit\(X, y, amount="),
        ({"amount": np.ones(3)}, r"amount has shape \(3,\).*shape \(600,\)"),
        ({"amount": np.r_[np.nan, np.ones(599)]}, "fit argument amount contains NaN"),
    ],
)
def test_missing_or_bad_cost_arrays_are_refused(binary_data, fit_kwargs, match):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), scoring=cost(fn="amount"))
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **fit_kwargs)


def _two_to_one(tn, fp, fn, tp):
    return tp - 0.5 * fp


def test_objectives_are_grid_searchable_and_pickle_with_the_estimator(binary_data):
    X, y = binary_data
    grid = [
        "f1",
        cost(fp=1, fn=10),
        constrained("recall", "precision", at_least=0.5),
        from_counts(_two_to_one),
    ]
    search = GridSearchCV(
        ThresholdedClassifier(LogisticRegression(), cv=3),
        {"scoring": grid},
        scoring="recall",
        cv=3,
    ).fit(X, y)
    assert search.cv_results_["param_scoring"].tolist() == grid
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


# Spread, interval, summary and stored curves.


def test_spread_and_interval_describe_the_fold_thresholds(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    assert clf.threshold_spread_ == pytest.approx(np.std(clf.fold_thresholds_, ddof=1))
    low, high = clf.threshold_interval_
    assert clf.fold_thresholds_.min() <= low < high <= clf.fold_thresholds_.max()
    single = ThresholdedClassifier(LogisticRegression(), cv=0.3).fit(X, y)
    assert single.threshold_spread_ == 0.0


def test_summary_reports_the_tuned_and_the_fixed_threshold(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), cv=FOLDS, aggregation="pooled"
    ).fit(X, y)
    report = clf.summary().splitlines()
    assert " ".join(report[0].split()) == (
        f"decision threshold {clf.decision_threshold_:.3g} "
        "(one search over the 5 folds pooled)"
    )
    assert report[1].split()[2:] == [f"{t:.3g}" for t in clf.fold_thresholds_]
    assert report[-1].startswith("held-out balanced_accuracy")
    fixed = ThresholdedClassifier(LogisticRegression(), threshold=0.25).fit(X, y)
    assert fixed.summary() == "decision threshold  0.25 (fixed, not tuned)"


def test_cv_results_hold_rates_and_the_decision_threshold(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, store_cv_results=True
    ).fit(X, y)
    results = clf.cv_results_
    assert results["tpr"] is results["recall"]
    for i, (y_true, scores) in enumerate(held_out_folds(X, y)):
        thresholds = results["thresholds"][i]
        at = np.flatnonzero(thresholds == clf.decision_threshold_)
        assert at.size == 1
        assert results["scores"][i][at[0]] == pytest.approx(clf.fold_scores_[i])
        for j in (0, thresholds.size // 2, thresholds.size - 1):
            y_pred = scores >= thresholds[j]
            assert results["recall"][i][j] == pytest.approx(
                recall_score(y_true, y_pred)
            )
            assert results["precision"][i][j] == pytest.approx(
                precision_score(y_true, y_pred, zero_division=0)
            )
            assert results["fpr"][i][j] == pytest.approx(np.mean(y_pred[~y_true]))


def test_few_minority_samples_in_a_fold_warn():
    X, y = make_classification(n_samples=400, weights=[0.95], random_state=0)
    y[np.flatnonzero(y)[20:]] = 0  # 20 positives: 4 per held-out fold
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS)
    with pytest.warns(FewSamplesWarning, match="holds only 4 samples of class 1"):
        clf.fit(X, y)


class Float32Network(ClassifierMixin, BaseEstimator):
    """A network's float32 sigmoid of large logits, cast to float64.

    The logits are logistic regression's margins, stretched and shifted.
    """

    def __init__(self, scale=12.0, shift=4.0):
        self.scale = scale
        self.shift = shift

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def _logits(self, X):
        return self.scale * (self.model_.decision_function(X) + self.shift)

    def predict_proba(self, X):
        logits = self._logits(X).astype(np.float32)
        with np.errstate(over="ignore"):
            p = (1 / (1 + np.exp(-logits))).astype(np.float64)
        return np.c_[1 - p, p]


class Float32NetworkWithMargins(Float32Network):
    def decision_function(self, X):
        return self._logits(X)


@pytest.mark.parametrize(
    "scale, reason",
    [
        (
            12.0,
            r"tied: \d+ of the 120 samples share the score 1, so they fall on the "
            r"same side of any threshold\. ",
        ),
        (
            5.0,
            r"tied: \d+ of the 120 samples share the score 1 just above the "
            r"threshold tuned on these scores, 0\.99999\d+, so moving the threshold "
            r"past that score flips \d+ predictions at once\. ",
        ),
    ],
)
@pytest.mark.parametrize(
    "estimator, advice",
    [
        (
            Float32Network,
            r"Float32Network has no decision_function to read instead\. If the model "
            r"has logits .*tune on them: threshold_estimator\.tune_threshold\(y, "
            r"logits, score_type='logit'\)",
        ),
        (
            Float32NetworkWithMargins,
            r"Use response_method='decision_function': "
            r"Float32NetworkWithMargins's margins are not squashed into \[0, 1\]\.",
        ),
    ],
)
def test_float32_probabilities_warn_with_advice_that_applies(
    binary_data, scale, reason, estimator, advice
):
    X, y = binary_data
    clf = ThresholdedClassifier(estimator(scale=scale), scoring="f1", cv=FOLDS)
    with pytest.warns(SaturatedScoresWarning, match=reason + ".*" + advice) as record:
        clf.fit(X, y)
    if not hasattr(clf.estimator, "decision_function"):
        for warning in record:
            assert "response_method='decision_function'" not in str(warning.message)


def test_a_pipeline_without_decision_function_is_not_told_to_use_it(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        make_pipeline(StandardScaler(), Float32Network()), scoring="f1", cv=FOLDS
    )
    with pytest.warns(SaturatedScoresWarning, match="tune_threshold") as record:
        clf.fit(X, y)
    for warning in record:
        assert "response_method='decision_function'" not in str(warning.message)


def test_summary_tells_a_threshold_near_1_from_1(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(Float32Network(scale=5.0), scoring="f1", cv=FOLDS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturatedScoresWarning)
        clf.fit(X, y)
    gap = 1 - clf.decision_threshold_
    assert 0 < gap < 1e-6
    assert clf.summary().startswith(
        f"decision threshold  {clf.decision_threshold_:.10f} (one search"
    )
    fixed = ThresholdedClassifier(LogisticRegression(), threshold=0.9996).fit(X, y)
    assert fixed.summary() == "decision threshold  0.999600 (fixed, not tuned)"


class ExtremeProbabilities(ClassifierMixin, BaseEstimator):
    """Logistic regression with its margins stretched 40-fold."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-40 * self.model_.decision_function(X)))
        return np.c_[1 - p, p]


@pytest.mark.parametrize(
    "call",
    [
        lambda clf, X, y: clf.fit(X, y),
        lambda clf, X, y: make_pipeline(StandardScaler(), clf).fit(X, y),
        lambda clf, X, y: cross_val_score(clf, X, y, cv=2),
    ],
    ids=["fit", "Pipeline", "cross_val_score"],
)
def test_probabilities_tied_at_one_warn_at_the_callers_line(binary_data, call):
    X, y = binary_data
    clf = ThresholdedClassifier(ExtremeProbabilities(), cv=FOLDS)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call(clf, X, y)
    tied = [w for w in record if w.category is SaturatedScoresWarning]
    assert tied and "samples share the score 1" in str(tied[0].message)
    # Past fit, scikit-learn's wrappers and joblib: this line.
    assert {w.filename for w in tied} == {__file__}


def test_small_distinct_float32_probabilities_do_not_warn(binary_data):
    """Outputs mostly below 1e-6, all distinct: the margins decide the same."""
    X, y = binary_data
    p = Float32NetworkWithMargins(scale=3.0, shift=-3.0).fit(X, y).predict_proba(X)
    assert np.mean(p[:, 1] < 1e-6) > 0.5 and np.unique(p[:, 1]).size == len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaturatedScoresWarning)
        clf = ThresholdedClassifier(
            Float32NetworkWithMargins(scale=3.0, shift=-3.0), scoring="f1", cv=FOLDS
        ).fit(X, y)
    margins = clone(clf).set_params(response_method="decision_function").fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), margins.predict(X))


def test_predicted_positive_rate_far_from_the_base_rate_warns(binary_data):
    X, y = binary_data  # about 20% positives
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=constrained("recall", "positive_rate", at_most=0.01),
        cv=FOLDS,
    )
    with pytest.warns(PositiveRateWarning, match="more than ten times apart"):
        clf.fit(X, y)


def _capacity_fit(at_most):
    """A capacity on no signal, 5% positives weighted up to half the weight."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = (np.arange(2000) % 20 == 0).astype(int)
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=constrained("recall", "positive_rate", at_most=at_most),
        cv=FOLDS,
    )
    return clf.fit(X, y, sample_weight=np.where(y == 1, 19.0, 1.0))


def test_predicted_rate_compares_weighted_shares_when_weighted():
    # About 55% of the weight flagged against a weighted base rate of 50%: as
    # expected, though 60% of the samples against 5% of them would be 12-fold.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _capacity_fit(at_most=0.55)
    assert not [w for w in record if w.category is PositiveRateWarning]
    with pytest.warns(
        PositiveRateWarning,
        match=r"At the tuned threshold \d\.\d\d% of the held-out samples, weighted "
        r"by sample_weight, are predicted positive, against 50\.00% positive",
    ):
        _capacity_fit(at_most=0.02)


def test_verbose_reports_each_fold_and_the_refit(binary_data, capsys):
    X, y = binary_data
    ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    assert capsys.readouterr().out == ""
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[ThresholdedClassifier] fitting 5 folds"
    for i, t in enumerate(clf.fold_thresholds_):
        assert lines[1 + i].startswith(
            f"[ThresholdedClassifier] fold {i + 1}/5: 120 held-out samples, "
            f"threshold {t:.4g}"
        )
    assert lines[-1] == "[ThresholdedClassifier] refitting on all 600 samples"


@pytest.mark.parametrize("aggregation", ["pooled", "median"])
def test_a_threshold_that_misses_a_constraint_in_folds_warns_and_names_them(
    aggregation,
):
    X, y = make_classification(
        n_samples=600, weights=[0.8], class_sep=0.5, random_state=1
    )
    goal = constrained("recall", "precision", at_least=0.6)
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=goal, cv=FOLDS, aggregation=aggregation
    )
    with pytest.warns(InfeasibleFoldsWarning) as caught:
        clf.fit(X, y)
    # The precision of each held-out fold at the decision threshold, by hand.
    expected = []
    for y_true, scores in held_out_folds(X, y):
        flagged = scores >= clf.decision_threshold_
        expected.append(np.sum(y_true & flagged) / np.sum(flagged))
    expected = np.array(expected)
    np.testing.assert_allclose(clf.constraint_values_["folds"], expected)
    missed = np.flatnonzero(expected < 0.6)
    assert missed.size > 0
    np.testing.assert_array_equal(np.flatnonzero(np.isneginf(clf.fold_scores_)), missed)
    assert clf.best_score_ is None
    folds = " and ".join(str(i + 1) for i in missed)
    values = " and ".join(f"{v:.3g}" for v in expected[missed])
    where = f"misses precision >= 0.6 in folds {folds} of 5 (precision {values})"
    message = str(
        [w for w in caught if w.category is InfeasibleFoldsWarning][0].message
    )
    assert where in message
    assert clf.summary().splitlines()[-1].endswith(where)
    assert "-inf" not in clf.summary()


def test_a_constraint_met_in_every_fold_does_not_warn(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=constrained("f1", "recall", at_least=0.3),
        cv=FOLDS,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", InfeasibleFoldsWarning)
        clf.fit(X, y)
    assert clf.best_score_ == pytest.approx(clf.fold_scores_.mean())
    assert (clf.constraint_values_["folds"] >= 0.3).all()
    assert clf.constraint_values_["pooled"] >= 0.3
    shifted = clf.with_class_prior([0.5, 0.5])
    assert not hasattr(shifted, "constraint_values_")


# Routing, refits and weights in the corners.


def test_routing_works_with_an_int_or_float_cv(binary_data):
    X, y = binary_data
    weight = np.linspace(0.5, 2.0, y.size)
    log = WeightSpy.log
    for cv in (3, 0.3):
        log.clear()
        with config_context(enable_metadata_routing=True):
            spy = WeightSpy().set_fit_request(sample_weight=True)
            ThresholdedClassifier(spy, cv=cv).fit(X, y, sample_weight=weight)
        assert log and all(w is not None for w in log)


def test_routing_leaves_a_generator_of_splits_to_fit(binary_data):
    X, y = binary_data
    weight = np.linspace(0.5, 2.0, y.size)
    splits = StratifiedKFold(3).split(X, y)
    with config_context(enable_metadata_routing=True):
        spy = WeightSpy().set_fit_request(sample_weight=True)
        clf = ThresholdedClassifier(spy, cv=splits).fit(X, y, sample_weight=weight)
    assert clf.fold_thresholds_.shape == (3,)


def test_a_failed_fit_leaves_no_fitted_state():
    clf = ThresholdedClassifier(LogisticRegression(), pos_label=2)
    with pytest.raises(ValueError, match="pos_label=2"):
        clf.fit(X_SMALL, Y_SMALL)
    assert not hasattr(clf, "classes_")


def test_per_sample_costs_route_through_grid_search(binary_data):
    X, y = binary_data
    amount = np.linspace(1, 50, y.size)
    tuned = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fn="amount", fp=1), random_state=0
    )
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(tuned, {"estimator__C": [0.1, 1.0]}, cv=3).fit(
            X, y, amount=amount
        )
    # The refit best estimator saw the amounts: it equals a direct fit.
    direct = clone(search.best_estimator_).fit(X, y, amount=amount)
    assert search.best_estimator_.decision_threshold_ == direct.decision_threshold_
    other_amounts = clone(search.best_estimator_).fit(X, y, amount=amount[::-1])
    assert other_amounts.decision_threshold_ != direct.decision_threshold_


def test_refit_drops_the_previous_fits_results():
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    clf = ThresholdedClassifier(LogisticRegression(), store_cv_results=True)
    clf.fit(frame, y)
    assert hasattr(clf, "feature_names_in_") and hasattr(clf, "cv_results_")
    clf.set_params(threshold=0.4, store_cv_results=False).fit(X[:, :3], y)
    for name in ("fold_thresholds_", "best_score_", "cv_results_", "feature_names_in_"):
        assert not hasattr(clf, name), name
    assert clf.n_features_in_ == 3
    assert clf.summary() == "decision threshold  0.4 (fixed, not tuned)"


def test_groups_reach_the_splitter_without_routing(binary_data):
    X, y = binary_data
    groups = np.arange(y.size) % 6
    clf = ThresholdedClassifier(LogisticRegression(), cv=GroupKFold(3))
    clf.fit(X, y, groups=groups)
    by_hand = ThresholdedClassifier(
        LogisticRegression(), cv=list(GroupKFold(3).split(X, y, groups))
    ).fit(X, y)
    np.testing.assert_array_equal(clf.fold_thresholds_, by_hand.fold_thresholds_)


def test_zero_weight_samples_do_not_move_the_threshold(binary_data):
    X, y = binary_data
    folds = [(np.arange(300), np.arange(300, 600))]
    extra = np.r_[X[300:], X[300:] + 0.01], np.r_[y[300:], y[300:]]
    X_all = np.r_[X[:300], extra[0]]
    y_all = np.r_[y[:300], extra[1]]
    weight = np.r_[np.ones(600), np.zeros(300)]
    with_zeros = ThresholdedClassifier(
        LogisticRegression(), cv=[(np.arange(300), np.arange(300, 900))], refit=False
    ).fit(X_all, y_all, sample_weight=weight)
    without = ThresholdedClassifier(LogisticRegression(), cv=folds, refit=False).fit(
        X, y
    )
    assert with_zeros.decision_threshold_ == without.decision_threshold_


def test_a_scorer_without_sample_weight_is_named(binary_data):
    X, y = binary_data

    def plain_f1(y_true, y_pred):
        return f1_score(y_true, y_pred)

    clf = ThresholdedClassifier(LogisticRegression(), scoring=make_scorer(plain_f1))
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(y.size))


def test_weights_a_pipeline_cannot_take_are_warned_about(binary_data):
    X, y = binary_data
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.warns(UserWarning, match="Pipeline.fit does not accept sample_weight"):
        ThresholdedClassifier(pipe, cv=FOLDS).fit(X, y, sample_weight=np.ones(y.size))


def test_a_fixed_threshold_does_not_need_the_objectives_arrays(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fp=1, fn="amount"), threshold=0.3
    )
    assert clf.fit(X, y).decision_threshold_ == 0.3
    assert clf.fit(X, y, amount=np.ones(y.size)).decision_threshold_ == 0.3


def test_disagreement_advice_fits_the_aggregation():
    X, y = make_classification(
        n_samples=400, weights=[0.95], flip_y=0.1, class_sep=0.3, random_state=1
    )
    for aggregation, advised in (("median", True), ("pooled", False)):
        clf = ThresholdedClassifier(
            LogisticRegression(), scoring="f1", cv=FOLDS, aggregation=aggregation
        )
        with pytest.warns(FoldDisagreementWarning) as record:
            clf.fit(X, y)
        message = str(
            next(w.message for w in record if w.category is FoldDisagreementWarning)
        )
        assert ("aggregation='pooled'" in message) is advised


def test_summary_and_progress_show_a_cost_as_a_cost(binary_data, capsys):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fp=1, fn=10), cv=FOLDS, verbose=1
    ).fit(X, y)
    assert clf.best_score_ < 0  # the value maximised: minus the cost
    last = clf.summary().splitlines()[-1]
    assert last.startswith("held-out cost per sample")
    assert f"{-clf.best_score_:.3f} (folds {-clf.fold_scores_.max():.3f} to" in last
    lines = capsys.readouterr().out.splitlines()
    assert (
        f"cost per sample at the decision threshold {-clf.fold_scores_[0]:.4g}"
        in (lines[1])
    )

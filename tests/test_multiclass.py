"""ThresholdedClassifier with more than two classes."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.svm import LinearSVC

from threshold_estimator import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    PositiveRateWarning,
    ThresholdCurveDisplay,
    ThresholdedClassifier,
    ThresholdWarning,
)
from threshold_estimator._search import log_probabilities, rule_value
from threshold_estimator.objectives import cost, cost_matrix, get_objective

FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def three_classes():
    """1,500 samples; classes of 70%, 22% and 8%."""
    return make_classification(
        n_samples=1500,
        n_classes=3,
        n_informative=4,
        weights=[0.7, 0.22, 0.08],
        class_sep=0.8,
        random_state=0,
    )


def fit(X, y, **params):
    params = {"cv": FOLDS, "scoring": "f1_macro", **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        return ThresholdedClassifier(LogisticRegression(), **params).fit(X, y)


def test_predict_is_argmax_of_probabilities_over_thresholds(three_classes):
    X, y = three_classes
    clf = fit(X, y)
    t = clf.decision_threshold_
    assert t.shape == (3,) and (t > 0).all() and t.sum() == pytest.approx(1.0)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(proba / t, axis=1)]
    )
    margin = clf.decision_function(X)
    np.testing.assert_allclose(margin, np.log(proba) - np.log(t))
    np.testing.assert_array_equal(clf.classes_[margin.argmax(axis=1)], clf.predict(X))
    assert clf.pos_label_ is None and clf.response_method_ == "predict_proba"


@pytest.mark.parametrize("threshold", [[2, 2, 2], np.array([2.0, 2.0, 2.0])])
def test_equal_thresholds_are_plain_argmax(three_classes, threshold):
    X, y = three_classes
    clf = fit(X, y, threshold=threshold)
    np.testing.assert_allclose(clf.decision_threshold_, np.full(3, 1 / 3))
    assert clf.decision_rule_ == "fixed"
    np.testing.assert_array_equal(clf.predict(X), clf.estimator_.predict(X))


@pytest.mark.parametrize("pos_label", [0, 1])
def test_vector_rule_of_a_binary_threshold_predicts_as_the_binary_path(
    binary_data, pos_label
):
    X, y = binary_data
    clf = fit(X, y, scoring="f1", pos_label=pos_label)
    t = clf.decision_threshold_
    # The threshold of pos_label's probability, as a vector in classes_ order.
    vector = np.array([t, 1 - t]) if pos_label == 0 else np.array([1 - t, t])
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(proba / vector, axis=1)]
    )


def test_fold_thresholds_spread_interval_and_summary_per_class(three_classes):
    X, y = three_classes
    clf = fit(X, y)
    assert clf.fold_thresholds_.shape == (5, 3)
    np.testing.assert_allclose(clf.fold_thresholds_.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        clf.threshold_spread_, np.std(clf.fold_thresholds_, axis=0, ddof=1)
    )
    assert clf.threshold_interval_.shape == (3, 2)
    assert (clf.threshold_interval_[:, 0] <= clf.threshold_interval_[:, 1]).all()
    rows = clf.summary().splitlines()
    assert rows[0].startswith("decision rule")
    for label, t, row in zip(
        clf.classes_, clf.decision_threshold_, rows[1:4], strict=True
    ):
        assert row.split()[:2] == [f"t[{label}]", f"{t:.3g}"]
    assert rows[-1].startswith("held-out f1_macro")


def test_fold_scores_are_each_folds_objective_at_the_rule(three_classes):
    X, y = three_classes
    clf = fit(X, y)
    objective = get_objective("f1_macro")
    for score, (train, test) in zip(clf.fold_scores_, FOLDS.split(X, y), strict=True):
        model = LogisticRegression().fit(X[train], y[train])
        log_proba = log_probabilities(model.predict_proba(X[test]))
        expected = rule_value(
            objective, y[test], log_proba, np.log(clf.decision_threshold_)
        )
        assert score == pytest.approx(expected)
    assert clf.best_score_ == pytest.approx(clf.fold_scores_.mean())


@pytest.mark.parametrize("aggregation", ["median", "mean"])
def test_median_and_mean_aggregate_per_class_then_rescale(three_classes, aggregation):
    X, y = three_classes
    clf = fit(X, y, aggregation=aggregation)
    combined = getattr(np, aggregation)(clf.fold_thresholds_, axis=0)
    np.testing.assert_allclose(clf.decision_threshold_, combined / combined.sum())
    assert clf.decision_rule_ == "tuned"


def test_tuning_beats_argmax_on_held_out_data():
    X, y = make_classification(
        n_samples=6000,
        n_classes=3,
        n_informative=4,
        weights=[0.8, 0.15, 0.05],
        class_sep=0.7,
        random_state=3,
    )
    gains = []
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.5, stratify=y, random_state=seed
        )
        clf = fit(X_train, y_train, cv=5, random_state=seed)
        tuned = f1_score(y_test, clf.predict(X_test), average="macro")
        argmax = f1_score(y_test, clf.estimator_.predict(X_test), average="macro")
        gains.append(tuned - argmax)
    assert min(gains) > 0.01


@pytest.mark.parametrize(
    "scoring", ["balanced_accuracy", "mcc", "accuracy", "f1_weighted", "kappa"]
)
def test_each_multiclass_objective_is_tuned_and_never_below_argmax_in_folds(
    three_classes, scoring
):
    X, y = three_classes
    clf = fit(X, y, scoring=scoring, store_cv_results=True)
    results = clf.cv_results_
    assert set(results) == {"argmax", "prior", "decision"}
    # Pooled over the folds the kept rule is at least the better fixed rule it
    # was chosen against, in the inner cross-validation; in the folds, on
    # average, it is at least close to it.
    best_fixed = max(results["argmax"].mean(), results["prior"].mean())
    assert results["decision"].mean() >= best_fixed - 0.02
    assert clf.decision_rule_ in ("tuned", "argmax", "prior")


def test_a_sklearn_scorer_of_labels_goes_through_the_generic_search(three_classes):
    X, y = three_classes
    by_name = fit(X, y, scoring="f1_macro", aggregation="median")
    by_scorer = fit(
        X, y, scoring=make_scorer(f1_score, average="macro"), aggregation="median"
    )
    # The scorer sees the same labels: the fold optima reach the same values.
    np.testing.assert_allclose(by_scorer.fold_scores_, by_name.fold_scores_, atol=0.02)


def test_cost_matrix_is_tuned_and_scored_as_minus_the_mean_cost(three_classes):
    X, y = three_classes
    matrix = np.array([[0, 1, 1], [5, 0, 1], [20, 5, 0]])
    clf = fit(X, y, scoring=cost_matrix(matrix))
    assert clf.best_score_ < 0
    plain = fit(X, y, threshold=[1, 1, 1])

    def mean_cost(model):
        return matrix[y, np.searchsorted(model.classes_, model.predict(X))].mean()

    assert mean_cost(clf) < mean_cost(plain)


# threshold="bayes"


def test_bayes_rule_of_a_cost_matrix_is_the_least_expected_cost(three_classes):
    X, y = three_classes
    matrix = np.array([[0, 1, 4], [2, 0, 1], [9, 3, 0]])
    clf = fit(X, y, scoring=cost_matrix(matrix), threshold="bayes")
    assert clf.decision_rule_ == "bayes" and clf.decision_threshold_ is None
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmin(proba @ matrix, axis=1)]
    )
    np.testing.assert_allclose(clf.decision_function(X), -(proba @ matrix))
    assert "least expected cost" in clf.summary()


def test_bayes_rule_of_costs_of_the_true_class_is_a_threshold_vector(three_classes):
    X, y = three_classes
    # Every error on class k costs a_k = 1, 4, 10: thresholds proportional to 1/a.
    matrix = np.array([[0, 1, 1], [4, 0, 4], [10, 10, 0]])
    clf = fit(X, y, scoring=cost_matrix(matrix), threshold="bayes")
    expected = np.array([1, 1 / 4, 1 / 10])
    np.testing.assert_allclose(clf.decision_threshold_, expected / expected.sum())
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmin(proba @ matrix, axis=1)]
    )


def test_bayes_rule_of_balanced_accuracy_is_the_prior_rule(three_classes):
    X, y = three_classes
    clf = fit(X, y, scoring="balanced_accuracy", threshold="bayes")
    np.testing.assert_allclose(clf.decision_threshold_, np.bincount(y) / y.size)
    accuracy = fit(X, y, scoring="accuracy", threshold="bayes")
    np.testing.assert_array_equal(accuracy.predict(X), accuracy.estimator_.predict(X))


@pytest.mark.parametrize("pos_label", [0, 1])
def test_binary_bayes_rule_of_costs_is_the_closed_form(binary_data, pos_label):
    X, y = binary_data
    clf = fit(X, y, scoring=cost(fp=1, fn=10), threshold="bayes", pos_label=pos_label)
    assert clf.decision_threshold_ == pytest.approx(1 / 11)
    # The same costs as a matrix of the classes, seen from pos_label.
    matrix = [[0, 1], [10, 0]] if pos_label == 1 else [[0, 10], [1, 0]]
    same = fit(
        X, y, scoring=cost_matrix(matrix), threshold="bayes", pos_label=pos_label
    )
    assert same.decision_threshold_ == pytest.approx(1 / 11)
    prior = fit(X, y, scoring="balanced_accuracy", threshold="bayes")
    assert prior.decision_threshold_ == pytest.approx(y.mean())


# Errors


class OneSided(ClassifierMixin, BaseEstimator):
    """A classifier with decision_function only."""

    def fit(self, X, y):
        self.model_ = LinearSVC().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, X):
        return self.model_.decision_function(X)


X3, Y3 = make_classification(
    n_samples=300, n_classes=3, n_informative=4, random_state=0
)


@pytest.mark.parametrize(
    "params, fit_y, match",
    [
        (
            {"estimator": OneSided()},
            Y3,
            "more than two classes needs probabilities, but OneSided has no "
            "predict_proba. Wrap it in sklearn.calibration.CalibratedClassifierCV",
        ),
        (
            {"response_method": "decision_function"},
            Y3,
            "needs probabilities, but response_method='decision_function'",
        ),
        ({"scoring": "f1"}, Y3, "two classes only; with more classes use 'f1_macro'"),
        ({"scoring": cost(fn=10)}, Y3, "defined for two classes only.*cost_matrix"),
        (
            {"scoring": cost_matrix([[0, 1], [1, 0]])},
            Y3,
            r"cost_matrix has shape \(2, 2\), but y has 3 classes",
        ),
        ({"threshold": 0.3}, Y3, "threshold=0.3 is the threshold of two classes"),
        (
            {"threshold": [0.5, 0.5]},
            Y3,
            r"threshold must hold 3 positive finite numbers, one per class of "
            r"\[0, 1, 2\]",
        ),
        ({"threshold": [0.5, 0.5, 0.0]}, Y3, "threshold must hold 3 positive finite"),
        (
            {"threshold": [0.5, 0.5]},
            Y3 % 2,
            "With two classes, threshold is the threshold of pos_label's score",
        ),
        ({"pos_label": 1}, Y3, r"pos_label=1 chooses the positive one of two classes"),
        (
            {"threshold": "bayes", "scoring": "f1_macro"},
            Y3,
            "threshold='bayes' applies the Bayes rule of a cost",
        ),
        (
            {"threshold": "bayes", "estimator": LinearSVC()},
            Y3 % 2,
            "threshold='bayes' needs probabilities, but LinearSVC has no",
        ),
        (
            {"cv": [(np.arange(100), np.arange(100, 300))]},
            np.r_[np.zeros(50), np.ones(50), np.arange(200) % 3],
            r"training part of fold 0 of cv holds no sample of class 2\.0",
        ),
        (
            {"cv": [(np.arange(100, 300), np.arange(100))]},
            np.r_[np.zeros(50), np.ones(50), np.arange(200) % 3],
            r"held-out part of fold 0 of cv holds no sample of class 2\.0",
        ),
    ],
)
def test_bad_multiclass_input_gets_a_clear_error(params, fit_y, match):
    params = {"estimator": LogisticRegression(), **params}
    with pytest.raises(ValueError, match=match):
        ThresholdedClassifier(**params).fit(X3, fit_y)


def test_display_refuses_more_than_two_classes(three_classes):
    X, y = three_classes
    clf = fit(X, y, store_cv_results=True)
    with pytest.raises(ValueError, match="has 3, whose rule argmax_k p_k / t_k"):
        ThresholdCurveDisplay.from_estimator(clf)


def test_few_samples_of_a_class_warn_naming_it():
    X, y = make_classification(
        n_samples=400, n_classes=3, n_informative=4, random_state=0
    )
    y[np.flatnonzero(y == 2)[15:]] = 0  # 15 of class 2: 3 per held-out fold
    with warnings.catch_warnings():
        # The model has no signal for so few samples, and says so too.
        warnings.simplefilter("ignore", FoldDisagreementWarning)
        warnings.simplefilter("ignore", PositiveRateWarning)
        with pytest.warns(FewSamplesWarning, match="holds only 3 samples of class 2"):
            ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)


# In the scikit-learn toolbox


def test_string_labels_pickle_and_grid_search(three_classes):
    X, y = three_classes
    labels = np.array(["ham", "spam", "eggs"])[y]
    clf = fit(X, labels)
    assert set(clf.predict(X)) <= {"eggs", "ham", "spam"}
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    search = GridSearchCV(
        ThresholdedClassifier(LogisticRegression(), scoring="f1_macro", cv=3),
        {"threshold": ["auto", [1, 1, 1], [0.2, 0.3, 0.5]]},
        scoring="f1_macro",
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        search.fit(X, labels)
    assert len(search.cv_results_["params"]) == 3


def test_cross_val_score_and_any_n_jobs_agree(three_classes):
    X, y = three_classes
    one = fit(X, y, n_jobs=1, random_state=0)
    two = fit(X, y, n_jobs=2, random_state=0)
    np.testing.assert_array_equal(one.decision_threshold_, two.decision_threshold_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        scores = cross_val_score(
            ThresholdedClassifier(LogisticRegression(), scoring="f1_macro"),
            X,
            y,
            scoring="f1_macro",
            cv=3,
        )
    assert scores.shape == (3,) and (scores > 0.4).all()


def test_verbose_prints_each_folds_vector(three_classes, capsys):
    X, y = three_classes
    clf = fit(X, y, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    first = " ".join(f"{t:.3g}" for t in clf.fold_thresholds_[0])
    assert lines[1].startswith(
        f"[ThresholdedClassifier] fold 1/5: 300 held-out samples, threshold [{first}]"
    )
    assert lines[-2].startswith("[ThresholdedClassifier] decision threshold [")

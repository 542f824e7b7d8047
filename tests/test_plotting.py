import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from threshold_estimator import ThresholdCurveDisplay, ThresholdedClassifier
from threshold_estimator._search import best_cut, objective_curve
from threshold_estimator.objectives import cost, get_objective

FOLDS = StratifiedKFold(4, shuffle=True, random_state=0)


@pytest.fixture
def tuned(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=FOLDS, store_cv_results=True
    )
    return clf.fit(X, y), X, y


def test_objective_plot_draws_folds_mean_and_thresholds(pyplot, tuned):
    clf, _, _ = tuned
    display = ThresholdCurveDisplay.from_estimator(clf)
    assert len(display.lines_) == 4 + 1  # the folds, then their mean
    for line, thresholds in zip(
        display.lines_[:-1], clf.cv_results_["thresholds"], strict=True
    ):
        np.testing.assert_array_equal(line.get_xdata(), thresholds)
    fold_lines, chosen = display.threshold_lines_[:-1], display.threshold_lines_[-1]
    assert [line.get_xdata()[0] for line in fold_lines] == list(clf.fold_thresholds_)
    assert chosen.get_xdata()[0] == clf.decision_threshold_
    assert display.ax_.get_xlabel() == "decision threshold"
    assert display.ax_.get_ylabel() == "f1"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [
        "folds",
        "mean of 4 folds",
        "fold thresholds",
        f"threshold {clf.decision_threshold_:.3g}",
    ]


def test_objective_plot_of_a_fixed_threshold_says_so(pyplot, binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), threshold=0.3, store_cv_results=True
    ).fit(X, y)
    with pytest.raises(ValueError, match=r"this one was fixed \(threshold=0.3\)"):
        ThresholdCurveDisplay.from_estimator(clf)


def test_from_predictions_names_an_unknown_scoring(pyplot):
    with pytest.raises(ValueError, match="scoring='jaccard' is not one of them"):
        ThresholdCurveDisplay.from_predictions(
            [0, 1, 1], [0.1, 0.8, 0.6], scoring="jaccard"
        )


def test_objective_plot_needs_stored_curves(pyplot, binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    with pytest.raises(ValueError, match="store_cv_results=True"):
        ThresholdCurveDisplay.from_estimator(clf)


@pytest.mark.parametrize("kind", ["roc", "precision_recall"])
def test_operating_point_is_the_threshold_on_the_given_data(pyplot, tuned, kind):
    clf, X, y = tuned
    display = ThresholdCurveDisplay.from_estimator(clf, X, y, kind=kind)
    predicted = clf.predict(X) == 1
    truth = y == 1
    tpr = np.mean(predicted[truth])
    expected = (
        (np.mean(predicted[~truth]), tpr)
        if kind == "roc"
        else (tpr, np.mean(truth[predicted]))
    )
    assert display.operating_point == pytest.approx(expected)
    np.testing.assert_allclose(
        np.r_[display.point_.get_xdata(), display.point_.get_ydata()], expected
    )
    assert display.lines_ and display.lines_[0].get_xdata().size > 10


def test_from_predictions_marks_the_exact_best_threshold(pyplot):
    rng = np.random.default_rng(0)
    y_true = rng.random(300) < 0.3
    y_score = y_true + rng.normal(size=300)
    display = ThresholdCurveDisplay.from_predictions(y_true, y_score, scoring="f1")
    thresholds, values = objective_curve(get_objective("f1"), y_true, y_score)
    assert display.decision_threshold == thresholds[best_cut(values)]
    assert len(display.lines_) == 1 and len(display.threshold_lines_) == 1


def test_from_predictions_binds_per_sample_costs(pyplot):
    rng = np.random.default_rng(1)
    y_true = rng.random(300) < 0.2
    y_score = y_true + rng.normal(size=300)
    amount = rng.uniform(1, 100, size=300)
    display = ThresholdCurveDisplay.from_predictions(
        y_true,
        y_score,
        scoring=cost(fp=5, fn="amount"),
        metadata={"amount": amount},
    )

    def total(t):
        flagged = y_score >= t
        return 5 * np.sum(~y_true & flagged) + amount[y_true & ~flagged].sum()

    candidates = np.r_[np.inf, np.unique(y_score)]
    assert total(display.decision_threshold) == pytest.approx(
        min(total(c) for c in candidates)
    )


def test_plot_draws_on_the_given_axes(pyplot, tuned):
    clf, _, _ = tuned
    _, ax = pyplot.subplots()
    display = ThresholdCurveDisplay.from_estimator(clf, ax=ax)
    assert display.ax_ is ax and display.figure_ is ax.figure


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "lift"}, "kind must be one of"),
        ({"kind": "roc"}, "kind='roc' needs the data to draw"),
    ],
)
def test_bad_plot_requests_are_refused(pyplot, tuned, kwargs, match):
    clf, _, _ = tuned
    with pytest.raises(ValueError, match=match):
        ThresholdCurveDisplay.from_estimator(clf, **kwargs)


_Y = np.array([0, 1, 0, 1, 1, 0])
_S = np.array([0.1, 0.8, 0.3, 0.6, 0.4, 0.2])


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((_Y, _S[:5]), {}, "inconsistent numbers of samples"),
        ((_Y, np.r_[_S[:5], np.nan]), {}, "y_score contains NaN"),
        ((np.arange(6) % 3, _S), {}, r"y_true must hold two classes.*3: \[0, 1, 2\]"),
        ((np.zeros(6), _S), {"kind": "roc"}, "y_true must hold two classes"),
        ((_Y, _S), {"pos_label": 2}, "pos_label=2 is not a class of y_true"),
        ((_Y, _S), {"sample_weight": -np.ones(6)}, "sample_weight must be non-neg"),
    ],
)
def test_bad_predictions_are_refused(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ThresholdCurveDisplay.from_predictions(*args, **kwargs)


def test_missing_matplotlib_names_the_extra(tuned, monkeypatch):
    clf, _, _ = tuned
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "threshold-estimator\[plot\]"'):
        ThresholdCurveDisplay.from_estimator(clf)


def test_example_script_saves_the_three_figures(pyplot, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "plot_threshold.py"
    spec = importlib.util.spec_from_file_location("plot_threshold", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved = module.main(tmp_path)
    assert [p.name for p in saved] == [
        "threshold_objective.png",
        "threshold_roc.png",
        "threshold_precision_recall.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in saved)
    assert "fold thresholds" in capsys.readouterr().out


def test_a_cost_is_drawn_as_a_cost_lower_being_better(pyplot, binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring=cost(fp=1, fn=10),
        cv=FOLDS,
        store_cv_results=True,
    ).fit(X, y)
    display = ThresholdCurveDisplay.from_estimator(clf)
    for line, values in zip(
        display.lines_[:-1], clf.cv_results_["scores"], strict=True
    ):
        np.testing.assert_array_equal(line.get_ydata(), -values)
        assert (line.get_ydata() > 0).all()
    assert display.ax_.get_ylabel() == "cost per sample (lower is better)"
    # The chosen threshold sits at the lowest mean cost, not the highest.
    mean = display.lines_[-1]
    lowest = mean.get_xdata()[np.argmin(mean.get_ydata())]
    assert lowest == pytest.approx(clf.decision_threshold_, abs=0.1)


def test_from_predictions_draws_a_cost_as_a_cost(pyplot):
    rng = np.random.default_rng(2)
    y_true = rng.random(300) < 0.2
    y_score = y_true + rng.normal(size=300)
    objective = cost(fp=1, fn=5)
    display = ThresholdCurveDisplay.from_predictions(y_true, y_score, scoring=objective)
    _, values = objective_curve(objective, y_true, y_score)
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), -values)
    assert display.ax_.get_ylabel().endswith("(lower is better)")
    f1 = ThresholdCurveDisplay.from_predictions(y_true, y_score, scoring="f1")
    assert f1.ax_.get_ylabel() == "f1"


@pytest.fixture
def three_classes():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=900,
        n_classes=3,
        n_informative=4,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )


def test_rules_plot_draws_each_folds_objective_under_each_rule(pyplot, three_classes):
    X, y = three_classes
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring="f1_macro",
        cv=FOLDS,
        store_cv_results=True,
        random_state=0,
    ).fit(X, y)
    display = ThresholdCurveDisplay.from_estimator(clf, kind="rules")
    assert [line.get_label() for line in display.lines_] == [
        "plain argmax",
        "prior rule p_k / prior_k",
        f"decision rule ({clf.decision_rule_})",
    ]
    for line, key in zip(display.lines_, ["argmax", "prior", "decision"], strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 5))
        np.testing.assert_array_equal(line.get_ydata(), clf.cv_results_[key])
    np.testing.assert_array_equal(display.lines_[-1].get_ydata(), clf.fold_scores_)
    assert display.ax_.get_xlabel() == "held-out fold"
    assert display.ax_.get_ylabel() == "f1_macro"


@pytest.mark.parametrize(
    "params, kind, match",
    [
        ({}, "objective", "Use kind='rules'"),
        ({"threshold": [1, 1, 1]}, "rules", r"was fixed \(threshold=\[1, 1, 1\]\)"),
        ({"store_cv_results": False}, "rules", "store_cv_results=True"),
    ],
)
def test_rules_plot_refuses_what_it_cannot_draw(
    pyplot, three_classes, params, kind, match
):
    X, y = three_classes
    clf = ThresholdedClassifier(
        LogisticRegression(), cv=FOLDS, **{"store_cv_results": True, **params}
    ).fit(X, y)
    with pytest.raises(ValueError, match=match):
        ThresholdCurveDisplay.from_estimator(clf, kind=kind)


def test_rules_is_for_more_than_two_classes(pyplot, tuned):
    clf, X, y = tuned
    with pytest.raises(ValueError, match="this classifier has two"):
        ThresholdCurveDisplay.from_estimator(clf, kind="rules")
    with pytest.raises(ValueError, match="use from_estimator"):
        ThresholdCurveDisplay.from_predictions(y, X[:, 0], kind="rules")

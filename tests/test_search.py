import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from threshold_estimator import _search
from threshold_estimator._search import (
    InfeasibleObjectiveError,
    aggregate,
    ascend,
    best_cut,
    choose_rule,
    class_curve,
    cut_thresholds,
    objective_curve,
    rule_value,
    value_at,
)
from threshold_estimator.objectives import get_objective


class LabelF1:
    """A label objective: F1 from boolean labels, counting its calls."""

    def __init__(self):
        self.calls = 0

    def score_labels(self, y_true, y_pred, sample_weight=None):
        self.calls += 1
        tp = np.sum(y_true & y_pred)
        denominator = 2 * tp + np.sum(~y_true & y_pred) + np.sum(y_true & ~y_pred)
        return 2 * tp / denominator if denominator else 0.0


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 30),
        elements=st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([0.0, 1.0]),
        unique=True,
    )
)
def test_each_cut_threshold_separates_exactly_its_scores(scores):
    scores = np.sort(scores)[::-1]
    thresholds = cut_thresholds(scores)
    assert thresholds.size == scores.size + 1
    for cut, t in enumerate(thresholds):
        assert np.sum(scores >= t) == cut


def test_cut_threshold_between_adjacent_floats_stays_on_the_right_side():
    low = 0.3
    high = np.nextafter(low, 1.0)
    thresholds = cut_thresholds(np.array([high, low]))
    assert thresholds[1] == high  # the midpoint would round onto a score
    assert np.sum(np.array([high, low]) >= thresholds[1]) == 1


def test_threshold_lies_midway_between_adjacent_scores():
    thresholds = cut_thresholds(np.array([0.9, 0.6, 0.2]))
    np.testing.assert_allclose(thresholds, [1.05, 0.75, 0.4, 0.0], atol=1e-15)


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.1, 0.5, 0.2], 1),
        ([0.5, 0.5, 0.5, 0.1], 1),  # odd run: its middle
        ([0.1, 0.5, 0.5, 0.1], 1),  # even run: the first of the two middles
        ([0.5, 0.1, 0.5, 0.5, 0.5], 3),  # the widest run wins
        ([0.5, 0.5, 0.1, 0.5, 0.5], 0),  # equally wide: the first
        ([-np.inf, 0.2, np.nan, 0.3], 3),  # infeasible cuts are never chosen
    ],
)
def test_best_cut_is_middle_of_widest_optimal_run(values, expected):
    assert best_cut(np.array(values)) == expected


def test_best_cut_treats_rounding_noise_as_a_tie():
    assert best_cut(np.array([0.3, 0.7, 0.7 + 1e-15, 0.7 - 1e-15, 0.2])) == 2


def test_best_cut_refuses_all_infeasible():
    with pytest.raises(InfeasibleObjectiveError):
        best_cut(np.array([-np.inf, np.nan]))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 60).flatmap(
        lambda n: st.tuples(
            arrays(bool, n),
            arrays(np.float64, n, elements=st.sampled_from([0.0, 0.2, 0.3, 0.7, 1.0])),
        )
    )
)
def test_count_search_finds_the_brute_force_optimum(data):
    y_true, y_score = data
    f1 = get_objective("f1")
    thresholds, values = objective_curve(f1, y_true, y_score)
    chosen = thresholds[best_cut(values)]
    candidates = np.concatenate(([np.inf], np.unique(y_score)))
    brute = max(value_at(f1, y_true, y_score, None, t) for t in candidates)
    assert value_at(f1, y_true, y_score, None, chosen) == pytest.approx(brute)


def test_label_search_is_exact_below_one_round():
    rng = np.random.default_rng(1)
    y_true = rng.random(40) < 0.4
    y_score = rng.random(40)
    objective = LabelF1()
    thresholds, values = objective_curve(objective, y_true, y_score)
    assert objective.calls == 41  # every cut, once
    _, exact = objective_curve(get_objective("f1"), y_true, y_score)
    np.testing.assert_allclose(values, exact)


def test_label_search_narrows_to_the_optimum_with_few_calls():
    rng = np.random.default_rng(2)
    y_true = rng.random(20_000) < 0.2
    y_score = y_true + rng.normal(scale=0.8, size=y_true.size)
    objective = LabelF1()
    thresholds, values = objective_curve(objective, y_true, y_score)
    exact_thresholds, exact = objective_curve(get_objective("f1"), y_true, y_score)
    assert objective.calls < 4 * _search.LABEL_CANDIDATES_PER_ROUND
    assert values.max() == pytest.approx(exact.max())
    # Around the best, every cut was tried: the chosen one is the exact one.
    assert thresholds[best_cut(values)] == exact_thresholds[best_cut(exact)]


def test_objective_returning_the_wrong_shape_is_refused():
    def scalar(tn, fp, fn, tp):
        return 0.5

    with pytest.raises(ValueError, match="one value per threshold"):
        objective_curve(scalar, np.array([True, False]), np.array([0.2, 0.1]))


def test_value_at_counts_with_weights():
    y_true = np.array([True, True, False, False])
    y_score = np.array([0.9, 0.2, 0.8, 0.1])
    weight = np.array([1.0, 3.0, 2.0, 1.0])
    # At 0.5: tp=1, fn=3, fp=2, tn=1 -> recall 0.25, precision 1/3.
    assert value_at(get_objective("recall"), y_true, y_score, weight, 0.5) == 0.25
    assert value_at(get_objective("precision"), y_true, y_score, weight, 0.5) == 1 / 3


def test_aggregate_median_and_mean():
    assert aggregate(np.array([0.1, 0.2, 0.9]), "median") == 0.2
    assert aggregate(np.array([0.1, 0.2, 0.9]), "mean") == pytest.approx(0.4)
    with pytest.raises(ValueError, match="Cannot aggregate"):
        aggregate(np.array([0.1]), "mode")


class LabelAccuracy:
    def score_labels(self, y_true, y_pred, sample_weight=None):
        return np.mean(y_true == y_pred)


@pytest.mark.parametrize("n_pairs", [100, 127, 400])
def test_label_search_takes_the_same_plateau_middle_as_the_count_search(n_pairs):
    # 50 sure positives, tied pairs of one positive and one negative, 50 sure
    # negatives: accuracy is flat over the cuts of the pairs, as many or more
    # than the last bracket of the coarse-to-fine search holds.
    y_true = np.r_[np.ones(50), np.tile([1, 0], n_pairs), np.zeros(50)].astype(bool)
    y_score = np.r_[
        np.linspace(1, 0.9, 50),
        np.repeat(np.linspace(0.8, 0.2, n_pairs), 2),
        np.linspace(0.1, 0, 50),
    ]
    thresholds, values = objective_curve(LabelAccuracy(), y_true, y_score)
    exact_thresholds, exact = objective_curve(
        get_objective("accuracy"), y_true, y_score
    )
    assert thresholds[best_cut(values)] == exact_thresholds[best_cut(exact)]


# Multiclass: one class's exact step, the ascent and the choice of rule.


@st.composite
def multiclass_probabilities(draw):
    """Rounded probabilities (many ties), weights, and maybe a hopeless class.

    A class drawn as "hopeless" gets probability 0 everywhere but one row, so
    that it wins almost nowhere whatever its threshold.
    """
    n_classes = draw(st.integers(3, 4))
    n = draw(st.integers(n_classes, 25))
    raw = draw(
        arrays(
            np.float64,
            (n, n_classes),
            elements=st.sampled_from([0.0, 0.1, 0.2, 0.5, 1.0]),
        )
    )
    if draw(st.booleans()):
        raw[1:, n_classes - 1] = 0.0
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    proba = raw / raw.sum(axis=1, keepdims=True)
    y_true = draw(arrays(np.intp, n, elements=st.integers(0, n_classes - 1)))
    y_true[:n_classes] = np.arange(n_classes)
    weight = draw(
        st.none()
        | arrays(np.float64, n, elements=st.sampled_from([0.0, 0.5, 1.0, 3.0]))
    )
    if weight is not None:
        weight[:n_classes] = 1.0
    start = draw(
        arrays(np.float64, n_classes, elements=st.sampled_from([0.1, 0.3, 1.0]))
    )
    return y_true, proba, weight, np.log(start / start.sum())


def _log(proba):
    with np.errstate(divide="ignore"):
        return np.log(proba)


@pytest.mark.parametrize("name", ["f1_macro", "balanced_accuracy", "mcc"])
@settings(max_examples=60, deadline=None)
@given(data=multiclass_probabilities())
def test_class_step_finds_the_brute_force_optimum(name, data):
    y_true, proba, weight, log_start = data
    objective = get_objective(name)
    log_proba = _log(proba)
    by_class = np.ascontiguousarray(log_proba.T)
    for k in range(proba.shape[1]):
        thresholds, values = class_curve(
            objective, y_true, by_class, log_start, k, weight
        )
        # Every value of t_k that can matter: each breakpoint nudged to both
        # sides, and beyond all of them.
        with np.errstate(invalid="ignore"):
            margins = log_proba[:, k] - np.max(
                np.delete(log_proba - log_start, k, axis=1), axis=1
            )
        counted = np.isfinite(margins) & (True if weight is None else weight != 0)
        finite = np.unique(margins[counted])
        candidates = np.concatenate(
            (finite - 1e-6, finite + 1e-6, [finite.min() - 1, finite.max() + 1])
            if finite.size
            else ([0.0],)
        )

        def value_with(log_t_k, k=k):
            log_t = log_start.copy()
            log_t[k] = log_t_k
            return rule_value(objective, y_true, log_proba, log_t, weight)

        brute = max(value_with(c) for c in candidates)
        if thresholds is None:
            assert finite.size == 0
            continue
        best = best_cut(values)
        assert values[best] == pytest.approx(brute, abs=1e-12)
        # The value the curve promises is the one the rule gets.
        assert value_with(thresholds[best]) == pytest.approx(values[best], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(data=multiclass_probabilities())
def test_ascent_never_loses_and_ends_where_no_class_step_helps(data):
    y_true, proba, weight, log_start = data
    objective = get_objective("f1_macro")
    log_proba = _log(proba)
    start = rule_value(objective, y_true, log_proba, log_start, weight)
    thresholds, value, n_sweeps = ascend(
        objective, y_true, log_proba, log_start, weight
    )
    assert thresholds.shape == (proba.shape[1],)
    assert (thresholds > 0).all() and thresholds.sum() == pytest.approx(1.0)
    assert value >= start - 1e-12
    assert rule_value(
        objective, y_true, log_proba, np.log(thresholds), weight
    ) == pytest.approx(value, abs=1e-12)
    if n_sweeps < _search.MAX_SWEEPS:
        by_class = np.ascontiguousarray(log_proba.T)
        for k in range(proba.shape[1]):
            _, values = class_curve(
                objective, y_true, by_class, np.log(thresholds), k, weight
            )
            if values is not None:
                assert values.max() <= value + _search.SWEEP_TOL * max(1, abs(value))


def test_ascent_beats_argmax_on_imbalanced_classes():
    rng = np.random.default_rng(0)
    n = 3000
    y_true = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    # Scores that favour the large class: argmax misses most of the small ones.
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y_true]
    logits[:, 0] += 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    objective = get_objective("balanced_accuracy")
    argmax = np.log(np.full(3, 1 / 3))
    _, value, _ = ascend(objective, y_true, np.log(proba), argmax)
    assert value > rule_value(objective, y_true, np.log(proba), argmax) + 0.1


def test_chosen_rule_is_tuned_only_when_it_validates_better():
    rng = np.random.default_rng(1)
    n = 3000
    y_true = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    prior = np.bincount(y_true) / n
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y_true]
    logits[:, 0] += 1.5
    log_proba = np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
    rule, thresholds = choose_rule(
        get_objective("f1_macro"), y_true, log_proba, prior, seed=0
    )
    assert rule == "tuned"
    assert (thresholds > 0).all() and thresholds.sum() == pytest.approx(1.0)
    # Balanced accuracy of calibrated probabilities: the prior rule is its
    # Bayes rule, and no tuned vector validates better on pure noise.
    noise = np.log(np.tile(prior, (n, 1)) * rng.uniform(0.9, 1.1, size=(n, 3)))
    rule, thresholds = choose_rule(
        get_objective("accuracy"), y_true, noise, prior, seed=0
    )
    assert rule in ("argmax", "prior")
    expected = np.full(3, 1 / 3) if rule == "argmax" else prior
    np.testing.assert_allclose(thresholds, expected)


def test_too_few_samples_of_a_class_keep_a_fixed_rule():
    y_true = np.array([0] * 10 + [1] * 10 + [2] * 2)
    log_proba = np.log(np.full((22, 3), 1 / 3))
    rule, _ = choose_rule(get_objective("f1_macro"), y_true, log_proba, np.ones(3))
    assert rule in ("argmax", "prior")


def test_aggregate_threshold_vectors_per_class_then_rescale():
    folds = np.array([[0.2, 0.3, 0.5], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4]])
    median = aggregate(folds, "median")
    np.testing.assert_allclose(median, [0.3, 0.3, 0.4])
    mean = aggregate(folds, "mean")
    np.testing.assert_allclose(mean, folds.mean(axis=0) / folds.mean(axis=0).sum())

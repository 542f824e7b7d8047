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
from threshold_estimator.objectives import (
    constrained,
    cost,
    fbeta,
    from_counts,
    get_objective,
)


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


def two_class_scores(weights=(0.5, 1.0, 2.0)):
    """Labels with both classes, tied scores, and weights drawn from ``weights``.

    The first two samples, one of each class, weigh 1, so that both classes
    always count.
    """

    @st.composite
    def strategy(draw):
        n = draw(st.integers(2, 30))
        y_true = draw(arrays(bool, n))
        y_true[0], y_true[1] = True, False
        y_score = draw(
            arrays(np.float64, n, elements=st.sampled_from([0.1, 0.4, 0.5, 0.9]))
        )
        weight = draw(arrays(np.float64, n, elements=st.sampled_from(weights)))
        weight[0] = weight[1] = 1.0
        return y_true, y_score, weight

    return strategy()


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
    names = objectives.objective_names()
    assert {"f1", "fbeta", "balanced_accuracy", "positive_rate", "fpr"} <= set(names)
    for name in names:
        assert get_objective(name).name == name


# Costs, constraints and custom objectives, against brute force at every cut.


def weighted_scores():
    """As two_class_scores, zero weights included."""
    return two_class_scores(weights=(0.0, 0.5, 1.0, 2.0))


def _per_cut(y_score, weight):
    """The predictions of every cut, the same cuts as the counts kernel.

    Samples of zero (counting) weight make no cut of their own.
    """
    counted = weight != 0 if (weight != 0).any() else np.ones(weight.size, bool)
    cuts = np.concatenate(([np.inf], np.unique(y_score[counted])[::-1]))
    return [y_score >= c for c in cuts]


def brute_cost(y_true, y_pred, weight, costs):
    """Mean cost per unit weight, sample by sample."""
    c_tn, c_fp, c_fn, c_tp = (np.broadcast_to(c, y_true.shape) for c in costs)
    per_sample = np.select(
        [~y_true & ~y_pred, ~y_true & y_pred, y_true & ~y_pred, y_true & y_pred],
        [c_tn, c_fp, c_fn, c_tp],
    )
    return np.sum(weight * per_sample) / weight.sum()


@settings(max_examples=100, deadline=None)
@given(
    data=weighted_scores(),
    costs=st.tuples(*[st.sampled_from([0.0, 1.0, 10.0, -2.0])] * 4).filter(any),
)
def test_fixed_cost_matches_brute_force_at_every_cut(data, costs):
    y_true, y_score, weight = data
    objective = cost(*costs)
    _, tn, fp, fn, tp = confusion_counts(y_true, y_score, weight)
    expected = [
        -brute_cost(y_true, p, weight, costs) for p in _per_cut(y_score, weight)
    ]
    np.testing.assert_allclose(objective(tn, fp, fn, tp), expected, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(data=weighted_scores(), seed=st.integers(0, 2**16))
def test_per_sample_cost_matches_brute_force_at_every_cut(data, seed):
    y_true, y_score, weight = data
    rng = np.random.default_rng(seed)
    amount = rng.uniform(0, 100, size=y_true.size).round(2)
    gain = -rng.uniform(0, 5, size=y_true.size).round(2)
    objective = cost(fp=5, fn="amount", tp="gain")
    bound, counting_weight = objective.bind(
        y_true, weight, {"amount": amount, "gain": gain}
    )
    _, tn, fp, fn, tp = confusion_counts(y_true, y_score, counting_weight)
    costs = (0.0, 5.0, amount, gain)
    expected = [
        -brute_cost(y_true, p, weight, costs)
        for p in _per_cut(y_score, counting_weight)
    ]
    np.testing.assert_allclose(bound(tn, fp, fn, tp), expected, atol=1e-9)


CONSTRAINTS = [
    ("recall", "precision", {"at_least": 0.6}),
    ("precision", "recall", {"at_least": 0.95}),
    ("recall", "fpr", {"at_most": 0.2}),
    ("specificity", "recall", {"at_least": 0.99}),
    ("recall", "positive_rate", {"at_most": 0.3}),
]


@pytest.mark.parametrize("goal, bounded, bound", CONSTRAINTS)
@settings(max_examples=40, deadline=None)
@given(data=weighted_scores())
def test_constrained_matches_brute_force_at_every_cut(goal, bounded, bound, data):
    y_true, y_score, weight = data
    objective = constrained(goal, bounded, **bound)
    _, tn, fp, fn, tp = confusion_counts(y_true, y_score, weight)
    values = objective(tn, fp, fn, tp)
    for value, y_pred in zip(values, _per_cut(y_score, weight), strict=True):
        counts = [
            np.array([weight[mask].sum()])
            for mask in (
                ~y_true & ~y_pred,
                ~y_true & y_pred,
                y_true & ~y_pred,
                y_true & y_pred,
            )
        ]
        level = get_objective(bounded)(*counts)[0]
        ok = (
            level >= bound["at_least"]
            if "at_least" in bound
            else level <= bound["at_most"]
        )
        expected = get_objective(goal)(*counts)[0] if ok else -np.inf
        assert value == pytest.approx(expected)


def test_constraint_reports_the_best_reachable_bound():
    objective = constrained("recall", "precision", at_least=0.9)
    tn, fp = np.array([10.0, 8.0, 5.0]), np.array([0.0, 2.0, 5.0])
    fn, tp = np.array([5.0, 2.0, 0.0]), np.array([0.0, 3.0, 5.0])
    assert np.isneginf(objective(tn, fp, fn, tp)).all()
    reason = objective.infeasible_reason(tn, fp, fn, tp)
    assert (
        reason == "no threshold gives precision at least 0.9: the most reachable is 0.6"
    )


def _net_gain(tn, fp, fn, tp):
    return 40 * tp - 5 * fp


def _f1_by_hand(tn, fp, fn, tp):
    return np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1e-300), 0.0)


def test_from_counts_equals_the_builtin_it_reimplements():
    rng = np.random.default_rng(0)
    _, tn, fp, fn, tp = confusion_counts(rng.random(200) < 0.3, rng.random(200))
    np.testing.assert_allclose(
        from_counts(_f1_by_hand)(tn, fp, fn, tp), get_objective("f1")(tn, fp, fn, tp)
    )


def test_from_counts_refuses_wrong_shapes_and_all_nan():
    counts = [np.ones(3)] * 4
    with pytest.raises(ValueError, match="returned shape \\(\\) for counts of shape"):
        from_counts(lambda tn, fp, fn, tp: 1.0)(*counts)
    with pytest.raises(ValueError, match="returned NaN at every threshold"):
        from_counts(lambda tn, fp, fn, tp: tn * np.nan)(*counts)
    with pytest.raises(TypeError, match="from_counts needs a callable"):
        from_counts("f1")


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: cost(), "at least one non-zero cost"),
        (lambda: cost(fp=float("inf")), "cost fp=inf must be a finite number"),
        (lambda: cost(fn=""), "cost fn='' must be"),
        (lambda: constrained("recall", "precision"), "exactly one of at_least"),
        (
            lambda: constrained("recall", "precision", at_least=0.9, at_most=1),
            "exactly one of at_least",
        ),
        (
            lambda: constrained("recall", "nope", at_most=0.1),
            "subject_to='nope' is not a built-in objective; use one of",
        ),
        (
            lambda: constrained("recal", "precision", at_most=0.1),
            "maximize='recal' is not a built-in objective",
        ),
        (
            lambda: constrained("recall", "precision", at_least="0.9"),
            "at_least must be a finite number, got '0.9'",
        ),
    ],
)
def test_bad_objective_arguments_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_objectives_are_readable_comparable_and_picklable():
    made = [
        cost(fp=1, fn=10),
        cost(fp=5, fn="amount"),
        constrained("recall", "precision", at_least=0.9),
        constrained(fbeta(2), "positive_rate", at_most=0.05),
        from_counts(_net_gain),
    ]
    assert [repr(o) for o in made] == [
        "cost(fp=1, fn=10)",
        "cost(fp=5, fn='amount')",
        "constrained(maximize='recall', subject_to='precision', at_least=0.9)",
        "constrained(maximize=fbeta(beta=2.0), subject_to='positive_rate', "
        "at_most=0.05)",
        "from_counts(_net_gain)",
    ]
    for objective in made:
        restored = pickle.loads(pickle.dumps(objective))
        assert restored == objective and hash(restored) == hash(objective)
    assert cost(fp=1, fn=10) != cost(fp=1, fn=11)
    assert made[2] != constrained("recall", "precision", at_least=0.8)
    assert cost(fp=5, fn="amount").metadata == ("amount",)
    assert get_objective("fbeta") == fbeta(1.0)


@pytest.mark.parametrize(
    "made, direct",
    [
        (get_objective("sensitivity"), lambda: objectives.Metric("recall")),
        (fbeta(2), lambda: objectives.Metric("fbeta", beta=2)),
        (cost(fp=1, fn="amount"), lambda: objectives.Cost(fp=1, fn="amount")),
        (
            objectives.cost_matrix([[0, 1], [10, 0]]),
            lambda: objectives.CostMatrix(np.array([[0, 1], [10, 0]])),
        ),
        (
            constrained("recall", "precision", at_least=0.9),
            lambda: objectives.Constrained(
                get_objective("recall"), "precision", at_least=0.9
            ),
        ),
        (from_counts(_net_gain), lambda: objectives.FromCounts(_net_gain)),
    ],
)
def test_constructors_return_the_public_types_built_directly(made, direct):
    built = direct()
    assert type(made) is type(built)
    assert made == built
    assert type(made).__name__ in objectives.__all__
    assert not type(made).__name__.startswith("_")


@pytest.mark.parametrize(
    "name", ["Metric", "Cost", "CostMatrix", "Constrained", "FromCounts"]
)
def test_former_private_names_still_name_the_types(name):
    assert getattr(objectives, f"_{name}") is getattr(objectives, name)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: objectives.Cost(), ValueError, "at least one non-zero cost"),
        (lambda: objectives.Cost(fn=None), ValueError, "cost fn=None must be"),
        (lambda: objectives.Metric("f2"), ValueError, "Unknown objective 'f2'"),
        (
            lambda: objectives.Metric("f1", beta=2),
            TypeError,
            r"'f1' takes no parameters; got \['beta'\]",
        ),
        (lambda: objectives.Metric("fbeta", beta=0), ValueError, "beta must be"),
        (lambda: objectives.Metric("fbeta", alpha=1), TypeError, "beta only"),
        (
            lambda: objectives.CostMatrix([[0, 0], [0, 0]]),
            ValueError,
            "no non-zero cost",
        ),
        (
            lambda: objectives.Constrained("recall", "precision"),
            ValueError,
            "exactly one of at_least",
        ),
        (lambda: objectives.FromCounts(3), TypeError, "needs a callable, got 3"),
    ],
)
def test_the_public_types_check_their_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    "objective",
    [
        fbeta(2),
        cost(fp=1, fn="amount"),
        objectives.cost_matrix([[0, 1, 2], [3, 0, 1], [9, 4, 0]]),
        constrained(fbeta(0.5), "positive_rate", at_most=0.1),
    ],
)
def test_objective_state_is_plain_values(objective):
    def plain(value):
        if isinstance(value, tuple | list):
            return all(plain(v) for v in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, objectives.Metric):
            return plain(vars(value))
        return value is None or isinstance(value, str | int | float)

    assert plain(vars(objective))


# Multiclass objectives: functions of the confusion matrix.

MULTICLASS_REFERENCES = {
    "accuracy": lambda t, p, w: metrics.accuracy_score(t, p, sample_weight=w),
    "balanced_accuracy": lambda t, p, w: metrics.balanced_accuracy_score(
        t, p, sample_weight=w
    ),
    "mcc": lambda t, p, w: metrics.matthews_corrcoef(t, p, sample_weight=w),
    "kappa": lambda t, p, w: metrics.cohen_kappa_score(t, p, sample_weight=w),
    **{
        f"{metric}_{average}": (
            lambda t, p, w, metric=metric, average=average: getattr(
                metrics, f"{metric}_score"
            )(t, p, average=average, sample_weight=w, zero_division=0)
        )
        for metric in ("f1", "precision", "recall")
        for average in ("macro", "weighted", "micro")
    },
}


@st.composite
def multiclass_labels(draw):
    """Truths holding every class, predictions, and weights."""
    n_classes = draw(st.integers(2, 5))
    n = draw(st.integers(n_classes, 40))
    y_true = draw(arrays(np.intp, n, elements=st.integers(0, n_classes - 1)))
    y_true[:n_classes] = np.arange(n_classes)
    y_pred = draw(arrays(np.intp, n, elements=st.integers(0, n_classes - 1)))
    weight = draw(arrays(np.float64, n, elements=st.sampled_from([0.5, 1.0, 2.0])))
    return n_classes, y_true, y_pred, weight


@pytest.mark.parametrize("name", sorted(MULTICLASS_REFERENCES))
@settings(max_examples=40, deadline=None)
@given(data=multiclass_labels())
def test_multiclass_objective_matches_sklearn(name, data):
    n_classes, y_true, y_pred, weight = data
    confusion = metrics.confusion_matrix(
        y_true, y_pred, labels=range(n_classes), sample_weight=weight
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = MULTICLASS_REFERENCES[name](y_true, y_pred, weight)
    value = get_objective(name).multiclass(confusion[None])[0]
    assert value == pytest.approx(np.nan_to_num(expected), abs=1e-12)
    if n_classes == 2:
        # The same name on two classes, from the four counts.
        (tn, fp), (fn, tp) = confusion
        binary = get_objective(name)(*(np.array([c]) for c in (tn, fp, fn, tp)))
        assert binary[0] == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    "name, instead",
    [
        ("f1", "'f1_macro' or 'f1_weighted'"),
        ("recall", "'recall_macro' or 'balanced_accuracy'"),
        ("specificity", "one of"),
    ],
)
def test_binary_only_objectives_name_the_multiclass_one(name, instead):
    with pytest.raises(ValueError, match=f"two classes only.*{instead}"):
        get_objective(name).multiclass(np.zeros((1, 3, 3)))


@pytest.mark.parametrize(
    "objective",
    [
        cost(fp=1, fn=10),
        constrained("recall", "precision", at_least=0.9),
        from_counts(_net_gain),
    ],
)
def test_objectives_of_two_classes_refuse_more(objective):
    with pytest.raises(ValueError, match="two classes only"):
        objective._for_classes(3, None)


def test_cost_matrix_is_the_expected_cost_and_cost_of_four_cells_for_two():
    matrix = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [9.0, 3.0, -1.0]])
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 5, size=(6, 3, 3)).astype(float)
    values = objectives.cost_matrix(matrix).multiclass(confusion)
    expected = -(confusion * matrix).sum(axis=(1, 2)) / confusion.sum(axis=(1, 2))
    np.testing.assert_allclose(values, expected)
    two = objectives.cost_matrix([[0, 1], [10, 0]])
    assert two._for_classes(2, pos_index=1) == cost(fp=1, fn=10)
    assert two._for_classes(2, pos_index=0) == cost(fp=10, fn=1)
    counts = [np.array([5.0]), np.array([2.0]), np.array([1.0]), np.array([3.0])]
    assert two(*counts)[0] == cost(fp=1, fn=10)(*counts)[0]


@pytest.mark.parametrize(
    "matrix, match",
    [
        ([[0, 1, 2], [1, 0, 1]], r"square matrix.*shape \(2, 3\)"),
        ([[0, 1], [np.nan, 0]], "NaN or infinite"),
        ([[0, "a"], [1, 0]], "needs numbers"),
        ([[5, 1], [1, 0]], r"row 0, predicting class 1 costs 1, less than the correct"),
        ([[1]], "square matrix"),
    ],
)
def test_bad_cost_matrices_are_refused(matrix, match):
    with pytest.raises(ValueError, match=match):
        objectives.cost_matrix(matrix)


def test_cost_matrix_of_the_wrong_size_for_the_target_is_refused():
    with pytest.raises(ValueError, match=r"shape \(2, 2\), but y has 3 classes"):
        objectives.cost_matrix([[0, 1], [1, 0]])._for_classes(3, None)


@pytest.mark.parametrize(
    "objective, expected",
    [
        (get_objective("accuracy"), [1.0, 1.0, 1.0]),
        (get_objective("balanced_accuracy"), [5.0, 10 / 3, 2.0]),
        # Every error on class k costs the same extra a_k: argmax_k p_k a_k.
        (objectives.cost_matrix([[0, 2, 2], [4, 0, 4], [1, 1, 0]]), [2, 4, 1]),
        # Two classes, negative first: a_neg = fp - tn, a_pos = fn - tp.
        (cost(fp=1, fn=10, tp=-2), [1, 12]),
        (get_objective("f1_macro"), None),
    ],
)
def test_bayes_rule_of_each_objective(objective, expected):
    prior = np.array([0.2, 0.3, 0.5])
    if expected is not None and len(expected) == 2:
        prior = np.array([0.4, 0.6])
    weights = objective._bayes_weights(prior)
    if expected is None:
        assert weights is None
    else:
        np.testing.assert_allclose(weights, expected)


def test_bayes_rule_of_a_general_cost_matrix_is_the_matrix():
    matrix = [[0, 1, 5], [1, 0, 1], [1, 1, 0]]
    rule = objectives.cost_matrix(matrix)._bayes_weights(np.ones(3) / 3)
    np.testing.assert_array_equal(rule, matrix)


@pytest.mark.parametrize(
    "objective",
    [get_objective(name) for name in objectives.objective_names()]
    + [
        fbeta(2),
        cost(fp=1, fn=10),
        cost(fp=2, fn=2, tn=-1, tp=-1),
        constrained("recall", "precision", at_least=0.5),
        constrained("mcc", "balanced_accuracy", at_least=0.5),
        from_counts(_f1_by_hand),
    ],
    ids=repr,
)
def test_symmetric_says_whether_swapping_the_classes_keeps_the_value(objective):
    rng = np.random.default_rng(0)
    tn, fp, fn, tp = rng.integers(0, 50, size=(4, 200)).astype(np.float64)
    swapped = objective(tp, fn, fp, tn)
    assert objective.symmetric == np.allclose(objective(tn, fp, fn, tp), swapped)


def test_a_cost_matrix_needs_no_positive_class():
    # Its rows and columns follow the sorted classes, whichever is positive.
    matrix = objectives.cost_matrix([[0, 1], [10, 0]])
    assert matrix.symmetric
    assert matrix._for_classes(2, 1) == cost(fp=1, fn=10)
    assert matrix._for_classes(2, 0) == cost(fp=10, fn=1)

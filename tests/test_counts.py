import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from threshold_estimator import _counts
from threshold_estimator._counts import class_confusion, confusion_counts


def brute_force_counts(y_true, y_score, sample_weight):
    """Counts at each distinct score, thresholding with >=, by a plain loop."""
    weight = np.ones(y_true.size) if sample_weight is None else sample_weight
    # Samples of zero weight make no cut of their own (unless all weigh zero).
    counted = weight != 0 if (weight != 0).any() else np.ones(y_true.size, bool)
    scores = np.unique(y_score[counted])[::-1]
    rows = [(weight[~y_true].sum(), 0.0, weight[y_true].sum(), 0.0)]
    for t in scores:
        pred = y_score >= t
        rows.append(
            (
                weight[~y_true & ~pred].sum(),
                weight[~y_true & pred].sum(),
                weight[y_true & ~pred].sum(),
                weight[y_true & pred].sum(),
            )
        )
    return scores, np.array(rows).T


@st.composite
def labelled_scores(draw):
    n = draw(st.integers(1, 40))
    y_true = draw(arrays(bool, n))
    # Few distinct values, so that ties are common.
    y_score = draw(
        arrays(np.float64, n, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0, -3.0]))
    )
    weighted = draw(st.booleans())
    weight = (
        draw(arrays(np.float64, n, elements=st.sampled_from([0.0, 0.5, 1.0, 3.0])))
        if weighted
        else None
    )
    return y_true, y_score, weight


@settings(max_examples=300, deadline=None)
@given(labelled_scores())
def test_counts_match_brute_force_with_ties_and_weights(data):
    y_true, y_score, weight = data
    scores, tn, fp, fn, tp = confusion_counts(y_true, y_score, weight)
    expected_scores, expected = brute_force_counts(y_true, y_score, weight)
    np.testing.assert_array_equal(scores, expected_scores)
    np.testing.assert_allclose(np.array([tn, fp, fn, tp]), expected, atol=1e-12)


def test_single_sample_gives_two_cuts():
    scores, tn, fp, fn, tp = confusion_counts(np.array([True]), np.array([0.3]))
    np.testing.assert_array_equal(scores, [0.3])
    np.testing.assert_array_equal(tp, [0, 1])
    np.testing.assert_array_equal(fn, [1, 0])
    np.testing.assert_array_equal(fp + tn, [0, 0])


def test_one_class_input_has_zero_counts_for_the_other():
    scores, tn, fp, fn, tp = confusion_counts(
        np.zeros(4, dtype=bool), np.array([0.1, 0.2, 0.2, 0.9])
    )
    np.testing.assert_array_equal(tp + fn, np.zeros(4))
    np.testing.assert_array_equal(fp, [0, 1, 3, 4])


def test_last_cut_is_exact_despite_rounding():
    # Weights whose running sum does not round-trip: the last cut must still
    # have no false negative and no true negative.
    y_true = np.array([True, False] * 50)
    weight = np.full(100, 0.1)
    _, tn, _, fn, _ = confusion_counts(y_true, np.arange(100.0), weight)
    assert fn[-1] == 0.0 and tn[-1] == 0.0


def test_zero_weight_samples_are_as_good_as_removed():
    y_true = np.array([True, True, False, False, False, False, False])
    y_score = np.array([0.9, 0.8, 0.3, 0.2, 0.75, 0.7, 0.65])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    with_zeros = confusion_counts(y_true, y_score, weight)
    removed = confusion_counts(y_true[:4], y_score[:4], weight[:4])
    for a, b in zip(with_zeros, removed, strict=True):
        np.testing.assert_array_equal(a, b)


# Multiclass: the confusion matrices along one class's breakpoints.


def brute_force_matrices(y_true, margin, fallback, k, n_classes, weight, cuts):
    """The confusion matrix at each threshold, predicting k where margin >= t."""
    out = []
    for t in cuts:
        y_pred = np.where(margin >= t, k, fallback)
        out.append(
            np.bincount(
                y_true * n_classes + y_pred,
                weights=weight,
                minlength=n_classes * n_classes,
            ).reshape(n_classes, n_classes)
        )
    return np.array(out)


@st.composite
def class_moves(draw):
    n_classes = draw(st.integers(2, 4))
    n = draw(st.integers(1, 30))
    y_true = draw(arrays(np.intp, n, elements=st.integers(0, n_classes - 1)))
    k = draw(st.integers(0, n_classes - 1))
    others = [c for c in range(n_classes) if c != k]
    fallback = draw(arrays(np.intp, n, elements=st.sampled_from(others)))
    # Few distinct margins, so that ties are common; infinities are fixed.
    margin = draw(
        arrays(
            np.float64,
            n,
            elements=st.sampled_from([-2.0, -0.5, 0.0, 0.5, 3.0, np.inf, -np.inf]),
        )
    )
    weight = draw(
        st.none()
        | arrays(np.float64, n, elements=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    )
    return y_true, margin, fallback, k, n_classes, weight


@settings(max_examples=300, deadline=None)
@given(class_moves())
def test_class_confusion_views_match_brute_force(data):
    y_true, margin, fallback, k, n_classes, weight = data
    breakpoints, steps = class_confusion(y_true, margin, fallback, k, n_classes, weight)
    counted = weight is None or not weight.any() or weight != 0
    expected_breakpoints = np.unique(margin[np.isfinite(margin) & counted])[::-1]
    np.testing.assert_array_equal(breakpoints, expected_breakpoints)
    # Cut c predicts k from the c-th highest breakpoint on.
    cuts = np.concatenate(([np.inf], breakpoints))
    expected = brute_force_matrices(
        y_true, margin, fallback, k, n_classes, weight, cuts
    )
    matrices = np.concatenate(list(steps.matrices()))
    np.testing.assert_allclose(matrices, expected, atol=1e-12)
    correct, actual, predicted = steps.parts()
    np.testing.assert_allclose(
        correct.T, np.diagonal(expected, axis1=1, axis2=2), atol=1e-12
    )
    np.testing.assert_allclose(actual[:, 0], expected[0].sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(predicted.T, expected.sum(axis=1), atol=1e-12)
    costs = np.arange(n_classes * n_classes, dtype=float).reshape(n_classes, -1)
    np.testing.assert_allclose(
        steps.totals(costs), (expected * costs).sum(axis=(1, 2)), atol=1e-9
    )


def test_class_confusion_builds_large_inputs_in_bounded_blocks(monkeypatch):
    monkeypatch.setattr(_counts, "_BLOCK_CELLS", 64)  # 4 rows of 4 x 4 cells
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 50)
    margin = rng.normal(size=50)
    fallback = (y_true + 1) % 4
    fallback[fallback == 2] = 3
    _, steps = class_confusion(y_true, margin, fallback, 2, 4)
    blocks = list(steps.matrices())
    assert max(len(b) for b in blocks) <= 4 and sum(len(b) for b in blocks) == 51
    cuts = np.concatenate(([np.inf], np.sort(margin)[::-1]))
    expected = brute_force_matrices(y_true, margin, fallback, 2, 4, None, cuts)
    np.testing.assert_allclose(np.concatenate(blocks), expected)


def test_breakpoints_equal_but_for_rounding_are_one_tie():
    # Two margins one rounding apart, as when the same probability ratio is
    # reached through different classes: a threshold between them would fall
    # on either side of them in predict's own arithmetic.
    low = 0.7
    high = np.nextafter(low, 1.0)
    breakpoints, _ = class_confusion(
        np.array([0, 1, 1]), np.array([high, low, -1.0]), np.array([1, 0, 0]), 2, 3
    )
    np.testing.assert_array_equal(breakpoints, [low, -1.0])

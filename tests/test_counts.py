import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from threshold_estimator._counts import confusion_counts


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

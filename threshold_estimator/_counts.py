"""Confusion counts at every distinct threshold, in one sort.

The kernel behind every exact threshold search: numpy in, numpy out. It knows
nothing of estimators; inputs are validated at the estimator's edge.
"""

import numpy as np


def confusion_counts(y_true, y_score, sample_weight=None):
    """Confusion counts for every cut of the distinct scores.

    A sample is predicted positive when its score is at least the threshold.
    With ``k`` distinct scores ``s_1 > s_2 > ... > s_k``, cut ``c`` predicts
    the samples scoring ``s_1 .. s_c`` positive: cut 0 predicts none and cut
    ``k`` predicts all. Tied scores always fall on the same side.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,), dtype=bool
        True for the positive class. At least one sample.
    y_score : ndarray of shape (n_samples,)
        Finite scores; larger means more likely positive.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights; ``None`` weighs every sample 1. Samples of zero weight are
        left out, as if removed (unless every weight is zero).

    Returns
    -------
    scores : ndarray of shape (k,)
        The distinct scores, in decreasing order.
    tn, fp, fn, tp : ndarrays of shape (k + 1,)
        Weighted counts at each cut.
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_score = np.asarray(y_score, dtype=np.float64)
    if sample_weight is not None:
        # A sample of zero weight is as good as absent: it must not make a
        # cut of its own, which would move the middle of a plateau.
        present = np.asarray(sample_weight) != 0
        if present.any() and not present.all():
            y_true, y_score = y_true[present], y_score[present]
            sample_weight = np.asarray(sample_weight)[present]
    # The counts do not depend on the order within a run of tied scores, so
    # the sort need not be stable (a stable sort is several times slower).
    order = np.argsort(y_score)[::-1]
    y_score = y_score[order]
    y_true = y_true[order]
    if sample_weight is None:
        pos_weight = y_true.astype(np.float64)
        neg_weight = 1.0 - pos_weight
    else:
        weight = np.asarray(sample_weight, dtype=np.float64)[order]
        pos_weight = np.where(y_true, weight, 0.0)
        neg_weight = np.where(y_true, 0.0, weight)

    # The last index of each run of tied scores closes a cut.
    last_of_run = np.append(np.flatnonzero(np.diff(y_score)), y_score.size - 1)
    cum_pos = np.cumsum(pos_weight)
    cum_neg = np.cumsum(neg_weight)
    tp = np.concatenate(([0.0], cum_pos[last_of_run]))
    fp = np.concatenate(([0.0], cum_neg[last_of_run]))
    # Totals from the same cumulative sums, so that the last cut has fn = tn = 0
    # exactly, whatever the rounding.
    fn = cum_pos[-1] - tp
    tn = cum_neg[-1] - fp
    return y_score[last_of_run], tn, fp, fn, tp

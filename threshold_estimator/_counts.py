"""Confusion counts at every distinct threshold, in one sort.

The kernels behind every exact search: numpy in, numpy out. Two classes:
the counts at every cut of the distinct scores. More classes: the confusion
matrices along the breakpoints of one class's threshold, the others held
fixed. They know nothing of estimators; inputs are validated at the
estimator's edge.
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


# Cells of one block of confusion matrices built at once, so that memory stays
# bounded (16 MB) whatever the number of samples and classes.
_BLOCK_CELLS = 1 << 21
# Breakpoints closer than this, relative to the largest in size (at least 1),
# are tied.
_TIE_RTOL = 1e-12


class ClassSteps:
    """The confusion matrices along one class's breakpoints, in three views.

    Cut ``c`` of class ``k`` predicts ``k`` for the samples of the ``c``
    highest distinct finite breakpoints (see :func:`class_confusion`); a
    sample moved to ``k`` leaves the cell ``(y, fallback)`` for ``(y, k)``.
    What an objective needs is read from the sorted moves in one cumulative
    pass: the per-class counts (:meth:`parts`), a weighted sum of the cells
    (:meth:`totals`), or the whole matrices a block at a time
    (:meth:`matrices`).
    """

    def __init__(self, base, y_true, fallback, weight, ends, k):
        self.base = base
        self.y_true = y_true
        self.fallback = fallback
        self.weight = weight
        self.ends = ends
        self.k = k

    @property
    def n_classes(self):
        return self.base.shape[0]

    def _at_cuts(self, running):
        """Cumulative sums (last axis: cut 0, then each sample) at the cuts."""
        if self.ends.size == self.y_true.size:  # no ties: every sample ends a run
            return running
        return running[..., np.concatenate(([0], self.ends + 1))]

    def parts(self):
        """Per class, at every cut: correct, actual and predicted weights.

        The class axis comes first, so that sums over classes add rows.

        Returns
        -------
        correct : ndarray of shape (n_classes, m + 1)
        actual : ndarray of shape (n_classes, 1)
        predicted : ndarray of shape (n_classes, m + 1)
        """
        n_classes, k = self.n_classes, self.k
        y, fallback, w = self.y_true, self.fallback, self.weight
        n = y.size
        # One row per count: the correct counts of the classes, then their
        # predicted counts, then a row for the moves that leave the correct
        # counts alone. Column i + 1 holds sample i's change, column 0 cut 0.
        changes = np.zeros((2 * n_classes + 1, n + 1), dtype=w.dtype)
        flat = changes.reshape(-1)
        columns = np.arange(1, n + 1)
        width = n + 1
        moved_in = y == k
        correct_row = np.where(y == fallback, fallback, 2 * n_classes)
        correct_row[moved_in] = k
        flat[correct_row * width + columns] = np.where(moved_in, w, -w)
        flat[(n_classes + fallback) * width + columns] = -w
        changes[n_classes + k, 1:] = w
        np.cumsum(changes, axis=1, out=changes)
        at_cuts = self._at_cuts(changes)
        # The base is float, so that the counts come out as floats.
        correct = at_cuts[:n_classes] + np.diagonal(self.base)[:, None]
        predicted = at_cuts[n_classes:-1] + self.base.sum(axis=0)[:, None]
        return correct, self.base.sum(axis=1)[:, None], predicted

    def totals(self, cell_values):
        """``sum_ij cell_values[i, j] * confusion[i, j]`` at every cut.

        Returns
        -------
        totals : ndarray of shape (m + 1,)
        """
        cell_values = np.asarray(cell_values, dtype=np.float64)
        y, w = self.y_true, self.weight
        change = w * (cell_values[y, self.k] - cell_values[y, self.fallback])
        running = np.zeros(change.size + 1)
        np.cumsum(change, out=running[1:])
        return float((cell_values * self.base).sum()) + self._at_cuts(running)

    def matrices(self):
        """The confusion matrices at every cut, a bounded block at a time.

        Yields
        ------
        block : ndarray of shape (b, n_classes, n_classes)
            Consecutive cuts, from cut 0.
        """
        n_classes, k = self.n_classes, self.k
        cells = n_classes * n_classes
        into = self.y_true * n_classes + k
        out_of = self.y_true * n_classes + self.fallback
        yield self.base.reshape(1, n_classes, n_classes)
        rows_per_block = max(1, _BLOCK_CELLS // cells)
        running = self.base.ravel()
        start = 0
        while start < into.size:
            stop = min(start + rows_per_block, into.size)
            rows = np.arange(stop - start)
            delta = np.zeros((stop - start, cells))
            delta[rows, into[start:stop]] = self.weight[start:stop]
            delta[rows, out_of[start:stop]] = -self.weight[start:stop]
            cumulative = np.cumsum(delta, axis=0)
            cumulative += running
            running = cumulative[-1]
            ends = self.ends[(self.ends >= start) & (self.ends < stop)] - start
            if ends.size:
                yield cumulative[ends].reshape(-1, n_classes, n_classes)
            start = stop


def class_confusion(y_true, margin, fallback, k, n_classes, sample_weight=None):
    """The confusion matrices along the breakpoints of one class's threshold.

    Sample ``i`` predicts class ``k`` when ``log t_k < margin[i]`` and class
    ``fallback[i]`` otherwise: the multiclass rule ``argmax_j p_j / t_j`` with
    every threshold but ``t_k`` held fixed has one breakpoint per sample,
    ``margin[i] = log p_ik - max_{j != k} (log p_ij - log t_j)``. Cut ``c``
    predicts ``k`` for the samples of the ``c`` highest distinct finite
    margins (a margin of ``+inf`` is ``k`` at every cut, ``-inf`` or NaN at
    none).

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,), dtype=int
        Class indices in ``[0, n_classes)``.
    margin : ndarray of shape (n_samples,)
    fallback : ndarray of shape (n_samples,), dtype=int
        The class each sample predicts when it does not predict ``k``; never
        ``k``.
    k : int
    n_classes : int
    sample_weight : ndarray of shape (n_samples,), default=None
        Samples of zero weight are left out, as if removed.

    Returns
    -------
    breakpoints : ndarray of shape (m,)
        The distinct finite margins, in decreasing order; margins within
        ``1e-12`` times the largest margin in size (at least 1) of each other
        count as one, the lowest of them.
    steps : ClassSteps
        The confusion matrices at cuts ``0 .. m``.
    """
    y_true = np.asarray(y_true, dtype=np.intp)
    margin = np.asarray(margin, dtype=np.float64)
    fallback = np.asarray(fallback, dtype=np.intp)
    if sample_weight is not None:
        weight = np.asarray(sample_weight, dtype=np.float64)
        present = weight != 0
        if present.any() and not present.all():
            y_true, margin, fallback = (
                y_true[present],
                margin[present],
                fallback[present],
            )
            weight = weight[present]
    predicted = fallback
    if np.isposinf(margin).any():
        predicted = np.where(margin == np.inf, k, fallback)
    base = np.bincount(
        y_true * n_classes + predicted,
        weights=None if sample_weight is None else weight,
        minlength=n_classes * n_classes,
    )
    base = base.reshape(n_classes, n_classes).astype(np.float64)
    # Ties fall on the same side at every cut, so the sort need not be stable.
    order = np.argsort(-margin)
    finite = np.isfinite(margin)
    if not finite.all():
        order = order[finite[order]]
    sorted_margin = margin[order]
    # Unweighted counts are whole numbers: summed as integers, they are exact
    # and several times faster to accumulate than floats.
    sorted_weight = (
        np.ones(order.size, dtype=np.int64) if sample_weight is None else weight[order]
    )
    # Margins equal but for rounding (the same ratio reached through other
    # classes) are one tie: a threshold between them would fall on either
    # side of them in predict's own arithmetic.
    ends = np.empty(0, dtype=np.intp)
    if sorted_margin.size:
        largest = max(1.0, abs(sorted_margin[0]), abs(sorted_margin[-1]))
        ends = np.flatnonzero(-np.diff(sorted_margin) > _TIE_RTOL * largest)
        ends = np.append(ends, sorted_margin.size - 1)
    steps = ClassSteps(base, y_true[order], fallback[order], sorted_weight, ends, k)
    return sorted_margin[ends], steps

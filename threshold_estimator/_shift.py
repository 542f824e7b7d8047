"""Class-balance shift: bounded summaries of held-out scores, EM, drift.

Kernels of numpy arrays, as ``_counts`` and ``_search``: the estimator checks
input at its edge and keeps a ``ScoreSummary`` of its held-out scores, from
which a rule is re-derived for another class balance and new scores are
compared with the old.
"""

import math
from typing import NamedTuple

import numpy as np

#: The most points a summary keeps of one class. Up to this many samples, a
#: class is kept whole (its distinct scores with their weights) and a rule
#: re-derived from the summary is exact; beyond, each point stands for a run
#: of ``1 / POINTS_PER_CLASS`` of the class's weight.
POINTS_PER_CLASS = 2000


class ScoreSummary(NamedTuple):
    """A weighted sample standing for the held-out scores of each class.

    Attributes
    ----------
    scores : ndarray of shape (n_points,) or (n_points, n_classes)
        Binary: the score of ``pos_label``; more classes: probabilities.
    class_index : ndarray of shape (n_points,)
        The index in ``classes_`` of the class each point stands for.
    weight : ndarray of shape (n_points,)
        The (sample-weighted) number of held-out samples each point stands
        for.
    n_samples : int
        The number of held-out samples summarised (of non-zero weight).
    fold_distance : float
        The largest distance (``ks_statistic``) between one fold's held-out
        scores and the other folds': how much the scores move from one fit
        to another with no drift at all.
    """

    scores: np.ndarray
    class_index: np.ndarray
    weight: np.ndarray
    n_samples: int
    fold_distance: float = 0.0

    def class_shares(self, n_classes):
        """The weighted share of each class among the summarised samples."""
        totals = np.bincount(self.class_index, weights=self.weight, minlength=n_classes)
        return totals / totals.sum()

    def reweighted(self, prior):
        """Point weights as if the classes had the shares ``prior``."""
        shares = self.class_shares(prior.size)
        return self.weight * (prior / shares)[self.class_index]

    @property
    def nbytes(self):
        return self.scores.nbytes + self.class_index.nbytes + self.weight.nbytes


def summarize(
    scores, class_index, n_classes, sample_weight=None, bound=None, fold=None
):
    """A ``ScoreSummary`` of at most ``bound`` points per class.

    A class with at most ``bound`` distinct scores (rows) is kept exactly,
    ties merged into one weighted point. A larger class is sorted (by its own
    class's probability, for more classes) and cut into ``bound`` runs of
    equal weight; each run is kept as its middle sample, weighing the run.
    For two classes, counts at any threshold then differ from the exact ones
    by at most one run per class. For more, the other probabilities of a run
    are those of its middle sample: a sample stratified by the class's own
    probability, with no such bound.
    """
    bound = POINTS_PER_CLASS if bound is None else bound
    weight = np.ones(class_index.size) if sample_weight is None else sample_weight
    parts, orders = [], []
    for k in range(n_classes):
        members = np.flatnonzero((class_index == k) & (weight > 0))
        if members.size == 0:
            continue
        key = scores[members] if scores.ndim == 1 else scores[members, k]
        order = members[np.argsort(key)]
        orders.append(order)
        points, point_weight = _merge_ties(scores[order], weight[order])
        if point_weight.size > bound:
            points, point_weight = _compress(points, point_weight, bound, scores.ndim)
        parts.append((points, np.full(point_weight.size, k), point_weight))
    points, index, point_weight = (np.concatenate(p) for p in zip(*parts, strict=True))
    n_samples = int(np.count_nonzero(weight > 0))
    distance = 0.0
    if fold is not None:
        # In each class's sorted order, the lookups below run in order.
        order = np.concatenate(orders)
        distance = _fold_distance(scores[order], weight[order], fold[order], points)
    return ScoreSummary(
        points, index.astype(np.intp), point_weight, n_samples, distance
    )


def _fold_distance(scores, weight, fold, points):
    """The largest distance between one fold's scores and the other folds'.

    As ``ks_statistic``, the distribution functions are compared between
    consecutive distinct values, here those of the summary's ``points``: a
    count per fold between each two, in one pass, with no sort of the scores.
    """
    folds, fold_code = np.unique(fold, return_inverse=True)
    columns = scores.reshape(scores.shape[0], -1)
    points = points.reshape(points.shape[0], -1)
    distance = 0.0
    for k in range(columns.shape[1] if folds.size > 1 else 0):
        distinct = np.unique(points[:, k])
        between = distinct[:-1] + (distinct[1:] - distinct[:-1]) / 2
        cell = np.searchsorted(between, columns[:, k]) * folds.size + fold_code
        shape = (between.size + 1, folds.size)
        counts = np.bincount(cell, minlength=np.prod(shape)).reshape(shape)
        weights = np.bincount(cell, weight, minlength=np.prod(shape)).reshape(shape)
        fold_cdf = np.cumsum(counts, axis=0)[:-1] / counts.sum(axis=0)
        rest = weights.sum(axis=1, keepdims=True) - weights
        rest_cdf = np.cumsum(rest, axis=0)[:-1] / rest.sum(axis=0)
        distance = max(distance, float(np.abs(fold_cdf - rest_cdf).max(initial=0)))
    return distance


def _merge_ties(sorted_scores, weight):
    """Equal consecutive scores (rows) as one point of their summed weight."""
    if sorted_scores.ndim == 1:
        new = np.diff(sorted_scores) != 0
    else:
        new = (np.diff(sorted_scores, axis=0) != 0).any(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], new)))
    return sorted_scores[starts], np.add.reduceat(weight, starts)


def _compress(points, weight, bound, ndim):
    """``bound`` runs of equal weight, each kept as its middle point."""
    cumulative = np.cumsum(weight)
    # The run of each point: the share of the weight before its middle.
    run = np.minimum(
        ((cumulative - weight / 2) / cumulative[-1] * bound).astype(np.intp),
        bound - 1,
    )
    starts = np.flatnonzero(np.concatenate(([True], np.diff(run) != 0)))
    ends = np.append(starts[1:], run.size)
    run_weight = np.add.reduceat(weight, starts)
    # The point where the run's weight is half spent.
    half = cumulative[starts] - weight[starts] + run_weight / 2
    middle = np.clip(np.searchsorted(cumulative, half), starts, ends - 1)
    return points[middle], run_weight


def estimate_prior(proba, train_prior, sample_weight=None, max_iter=100, tol=1e-6):
    """The class balance of unlabelled data, by EM (Saerens et al., 2002).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        A model's probabilities on the new data.
    train_prior : ndarray of shape (n_classes,)
        The class balance those probabilities reflect (the training data's).
    sample_weight : ndarray of shape (n_samples,), default=None
    max_iter : int, default=100
    tol : float, default=1e-6
        Stop when no class's share moves by more than this.

    Returns
    -------
    prior : ndarray of shape (n_classes,)
    n_iter : int
    converged : bool
    """
    weight = None if sample_weight is None else sample_weight / sample_weight.sum()
    prior = train_prior.copy()
    for n_iter in range(1, max_iter + 1):
        adjusted = proba * (prior / train_prior)
        adjusted /= np.maximum(
            adjusted.sum(axis=1, keepdims=True), np.finfo(float).tiny
        )
        new = (
            adjusted.mean(axis=0)
            if weight is None
            else np.einsum("i,ik->k", weight, adjusted)
        )
        moved = np.abs(new - prior).max()
        prior = new
        if moved < tol:
            return prior, n_iter, True
    return prior, max_iter, False


def ks_statistic(new_scores, points, point_weight):
    """The largest distance between the new scores' CDF and a weighted one.

    The two are compared between consecutive distinct reference points, not
    at the new scores: models whose scores take a few values, which move a
    little from one fit to the next (the fold models against the refitted
    one), are then compared value for value.

    Parameters
    ----------
    new_scores : ndarray of shape (n,)
    points : ndarray of shape (m,)
        The reference sample.
    point_weight : ndarray of shape (m,)
        Its weights (need not sum to 1).
    """
    order = np.argsort(points)
    sorted_points, weight = points[order], point_weight[order]
    last_of_run = np.append(np.flatnonzero(np.diff(sorted_points)), points.size - 1)
    if last_of_run.size < 2:
        return 0.0
    reference = np.cumsum(weight)[last_of_run] / weight.sum()
    distinct = sorted_points[last_of_run]
    between = distinct[:-1] + (distinct[1:] - distinct[:-1]) / 2
    new = np.searchsorted(np.sort(new_scores), between, side="right") / new_scores.size
    return float(np.abs(new - reference[:-1]).max())


def effective_size(summary, prior):
    """Kish's effective number of held-out samples once reweighted to
    ``prior``: reweighting by class makes some samples count more."""
    totals = np.bincount(
        summary.class_index, weights=summary.weight, minlength=prior.size
    )
    ratio = prior / (totals / totals.sum())
    efficiency = (totals @ ratio) ** 2 / (totals.sum() * (totals @ ratio**2))
    return summary.n_samples * efficiency


def ks_p_value(statistic, n_new, n_reference):
    """Asymptotic p-value of a two-sample Kolmogorov-Smirnov statistic.

    The Kolmogorov distribution with Stephens' small-sample correction
    (Numerical Recipes, 14.3), as used before exact methods were common.
    """
    n_eff = n_new * n_reference / (n_new + n_reference)
    root = math.sqrt(n_eff)
    lam = (root + 0.12 + 0.11 / root) * statistic
    if lam < 0.2:
        return 1.0
    terms = (
        2 * (-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101)
    )
    return float(min(1.0, max(0.0, sum(terms))))

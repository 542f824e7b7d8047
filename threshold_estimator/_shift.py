"""Class-balance shift: bounded summaries of held-out scores, EM, drift.

Kernels of numpy arrays, as ``_counts`` and ``_search``: the estimator checks
input at its edge and keeps a ``ScoreSummary`` of its held-out scores, from
which a rule is re-derived for another class balance and new scores are
compared with the old.
"""

import math
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch

from threshold_estimator._diagnostics import shown_label

#: The most points a summary keeps of one class. Up to this many samples, a
#: class is kept whole (its distinct scores with their weights) and a rule
#: re-derived from the summary is exact; beyond, each point stands for a run
#: of ``1 / POINTS_PER_CLASS`` of the class's weight.
POINTS_PER_CLASS = 2000

#: The fewest new rows whose estimated balance ``with_class_prior`` accepts:
#: on fewer, EM's estimate is mostly noise (five rows read a 20% balance as
#: [1, 0]), and re-deriving the rule from it is worse than keeping it.
MIN_PRIOR_ROWS = 100

#: Up to this many rows, the prior's interval follows the likelihood's
#: profile; beyond, its quadratic limit (a standard error), unless that
#: reaches past 0 or 1.
PROFILE_ROWS = 10_000

#: The largest distance between distribution functions that ``check_drift``
#: may be unable to detect: fewer new rows than make a change of this size
#: significant are refused, since "no drift" on them would say nothing.
MAX_UNDETECTABLE_DISTANCE = 0.25


class ClassPrior(np.ndarray):
    """Estimated class shares: an array, with how sure the estimate is.

    Returned by ``estimate_class_prior``. It is the array of shares, in the
    order of ``classes_``, and works wherever one does; it also records
    ``interval``, an array of shape (2, n_classes) with each share's lower
    and upper bound at ``confidence_level`` (the profile likelihood
    interval of the mixture), and ``n_samples``, the number of new rows it
    was estimated from, which ``with_class_prior`` checks.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator._shift import ClassPrior
    >>> prior = ClassPrior.from_estimate(
    ...     np.array([0.7, 0.3]), np.array([[0.6, 0.2], [0.8, 0.4]]), 0.9, 500
    ... )
    >>> print(f"{prior[1]:.1f} in [{prior.interval[0, 1]:.1f}, "
    ...       f"{prior.interval[1, 1]:.1f}] from {prior.n_samples} rows")
    0.3 in [0.2, 0.4] from 500 rows
    """

    @classmethod
    def from_estimate(cls, shares, interval, confidence_level, n_samples):
        prior = np.asarray(shares, dtype=np.float64).view(cls)
        prior.interval = interval
        prior.confidence_level = confidence_level
        prior.n_samples = n_samples
        return prior

    def __array_finalize__(self, obj):
        # Slices and arithmetic are plain shares: an interval or a row count
        # copied onto them would describe another array.
        self.interval = None
        self.confidence_level = None
        self.n_samples = None

    def __reduce__(self):
        # Pickled as the plain array it is.
        return np.asarray(self).__reduce__()


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
        scores and the other folds', less what sampling alone puts between
        them on average (``sampling_distance``): how much the scores move
        from one fit to another with no drift at all.
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
    """How far one fold's scores lie from the other folds', beyond sampling.

    As ``ks_statistic``, the distribution functions are compared between
    consecutive distinct values, here those of the summary's ``points``: a
    count per fold between each two, in one pass, with no sort of the scores.
    From each fold's distance is taken the distance that sampling alone puts
    between that many scores and the rest on average (``sampling_distance``),
    which the p-values of ``check_drift`` already allow for: what remains is
    how much the models differ from one fit to another.
    """
    folds, fold_code = np.unique(fold, return_inverse=True)
    if folds.size < 2:
        return 0.0
    columns = scores.reshape(scores.shape[0], -1)
    points = points.reshape(points.shape[0], -1)
    distance = np.zeros(folds.size)
    for k in range(columns.shape[1]):
        distinct = np.unique(points[:, k])
        between = distinct[:-1] + (distinct[1:] - distinct[:-1]) / 2
        cell = np.searchsorted(between, columns[:, k]) * folds.size + fold_code
        shape = (between.size + 1, folds.size)
        counts = np.bincount(cell, minlength=np.prod(shape)).reshape(shape)
        weights = np.bincount(cell, weight, minlength=np.prod(shape)).reshape(shape)
        fold_cdf = np.cumsum(counts, axis=0)[:-1] / counts.sum(axis=0)
        rest = weights.sum(axis=1, keepdims=True) - weights
        rest_cdf = np.cumsum(rest, axis=0)[:-1] / rest.sum(axis=0)
        distance = np.maximum(
            distance, np.abs(fold_cdf - rest_cdf).max(axis=0, initial=0)
        )
    # The rest is weighted: its effective number of samples (Kish's).
    total, squares = np.bincount(fold_code, weight), np.bincount(fold_code, weight**2)
    rest_size = (total.sum() - total) ** 2 / (squares.sum() - squares)
    noise = [
        sampling_distance(n, m)
        for n, m in zip(np.bincount(fold_code), rest_size, strict=True)
    ]
    return float(max(0.0, np.max(distance - noise)))


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


def prior_interval(proba, train_prior, prior, sample_weight, confidence_level):
    """Each class's profile likelihood interval around an EM estimate.

    The mixture's log-likelihood ``sum_i w_i log sum_k prior_k p_ik /
    train_prior_k`` is profiled for each class k: its share held at ``t``,
    the other classes' proportions are those that maximise it (by EM, as
    ``estimate_prior``; with two classes there is nothing to maximise). The
    profile is concave in ``t``, so the shares whose likelihood ratio to the
    estimate is within the chi-squared quantile of one degree of freedom
    form an interval, found by bisection. Unlike a standard error, it stays
    inside [0, 1] and is honest at the boundary, where a few rows put the
    estimate.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
    train_prior, prior : ndarray of shape (n_classes,)
        The balance the probabilities reflect, and the EM estimate.
    sample_weight : ndarray of shape (n_samples,) or None
        Scaled to sum to ``n_samples``.
    confidence_level : float in (0, 1)

    Returns
    -------
    interval : ndarray of shape (2, n_classes)
    """
    n_samples, n_classes = proba.shape
    ratio = proba / train_prior
    weight = (
        np.ones(n_samples)
        if sample_weight is None
        else sample_weight * (n_samples / sample_weight.sum())
    )
    z = NormalDist().inv_cdf((1 + confidence_level) / 2)
    if n_samples > PROFILE_ROWS:
        interval = _wald_interval(ratio, weight, prior, z)
        if (interval > 0).all() and (interval < 1).all():
            return interval
    drop = z**2 / 2
    interval = np.empty((2, n_classes))
    for k in range(n_classes):
        others = np.delete(prior, k)
        if others.sum() <= 1e-12:
            # The estimate holds no other class: start from the training shares.
            others = np.delete(train_prior, k)
        profile = _Profile(ratio[:, k], np.delete(ratio, k, axis=1), weight, others)
        best = profile(prior[k])
        interval[:, k] = (
            _bisect_level(profile, prior[k], 0.0, best - drop),
            _bisect_level(profile, prior[k], 1.0, best - drop),
        )
    return interval


class _Profile:
    """The mixture's log-likelihood with one class's share fixed, the other
    classes' proportions maximised by EM (warm-started from the last call)."""

    def __init__(self, own, others, weight, proportions, max_iter=30, tol=1e-6):
        self.own, self.others, self.weight = own, others, weight
        self.proportions = proportions / proportions.sum()
        self.max_iter = 0 if others.shape[1] == 1 else max_iter
        self.tol = tol

    def __call__(self, share):
        # Each call starts from the estimate's proportions: EM cannot bring
        # back a class that an extreme share drove to zero.
        q = self.proportions
        with np.errstate(divide="ignore", invalid="ignore"):
            for _ in range(self.max_iter):
                mixture = share * self.own + (1 - share) * (self.others @ q)
                new = self.weight @ (self.others * q / mixture[:, None])
                if not np.isfinite(new).all() or new.sum() <= 0:
                    break
                new /= new.sum()
                moved = np.abs(new - q).max()
                q = new
                if moved < self.tol:
                    break
            mixture = share * self.own + (1 - share) * (self.others @ q)
            return float(self.weight @ np.log(mixture))


def _wald_interval(ratio, weight, prior, z):
    """The estimate plus or minus ``z`` standard errors, from the mixture's
    observed information: the profile interval's limit for many rows."""
    mixture = ratio @ prior
    difference = (ratio[:, :-1] - ratio[:, -1:]) / mixture[:, None]
    information = (difference * weight[:, None]).T @ difference
    covariance = np.linalg.pinv(information)
    # The last share is one minus the others.
    n_classes = prior.size
    full = np.zeros((n_classes, n_classes))
    full[:-1, :-1] = covariance
    full[-1, :-1] = full[:-1, -1] = -covariance.sum(axis=1)
    full[-1, -1] = covariance.sum()
    error = z * np.sqrt(np.maximum(np.diag(full), 0))
    return np.vstack([prior - error, prior + error])


def _bisect_level(function, inside, edge, level, steps=20):
    """Where a concave ``function`` falls to ``level`` between ``inside``
    (above it) and ``edge``; ``edge`` itself if it never does."""
    if function(edge) >= level:
        return edge
    for _ in range(steps):
        middle = (inside + edge) / 2
        if function(middle) >= level:
            inside = middle
        else:
            edge = middle
    return (inside + edge) / 2


def detectable_distance(n_new, n_reference, alpha):
    """The smallest Kolmogorov-Smirnov distance significant at ``alpha``
    between ``n_new`` and ``n_reference`` samples (see ``ks_p_value``)."""
    low, high = 0.0, 1.0
    if ks_p_value(high, n_new, n_reference) > alpha:
        return math.inf
    for _ in range(40):
        middle = (low + high) / 2
        if ks_p_value(middle, n_new, n_reference) <= alpha:
            high = middle
        else:
            low = middle
    return high


def rows_to_detect(distance, n_reference, alpha):
    """The fewest new rows at which a distance of ``distance`` is
    significant at ``alpha`` against ``n_reference`` samples."""
    high = 1
    while detectable_distance(high, n_reference, alpha) > distance:
        high *= 2
        if high > 1e9:
            return math.inf
    low = high // 2
    while high - low > 1:
        middle = (low + high) // 2
        if detectable_distance(middle, n_reference, alpha) > distance:
            low = middle
        else:
            high = middle
    return high


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


def sampling_distance(n_new, n_reference):
    """The mean Kolmogorov-Smirnov distance between two samples of the same
    scores, of ``n_new`` and ``n_reference``: ``sqrt(pi / 2) log 2``, the mean
    of the Kolmogorov distribution, over the root of their effective size
    (with Stephens' correction, as ``ks_p_value``)."""
    root = math.sqrt(n_new * n_reference / (n_new + n_reference))
    return math.sqrt(math.pi / 2) * math.log(2) / (root + 0.12 + 0.11 / root)


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


def shifted_weights(sample_weight, codes, record, prior):
    """Sample weights under which the pooled held-out classes have the shares
    ``prior``.

    Every count the objectives read is a sum of weights by class, so
    multiplying each class's weights by ``prior_k / held_out_k`` (its share
    of the pooled held-out weight) gives exactly the counts of held-out data
    of that balance, as ``with_class_prior`` does with the summary.
    """
    held_out = np.bincount(record.codes, weights=record.weight, minlength=prior.size)
    ratio = (prior / (held_out / held_out.sum()))[codes]
    return ratio if sample_weight is None else sample_weight * ratio


def differs(comparison, alpha, tolerance):
    """Whether a comparison counts as a change: its distance significant at
    ``alpha`` and larger than ``tolerance``, how far the folds' models lie
    apart."""
    return comparison.p_value < alpha and comparison.statistic > tolerance


def format_comparison(comparison, alpha, tolerance, n_samples=None):
    """A comparison's distance, its p-value and the yardsticks that judge it:
    ``"KS 0.080 (p = 0.1), below the 0.092 that 300 rows detect at
    alpha=0.01"``. Without ``n_samples``, the rows and alpha were named
    before, and the yardsticks are named short."""
    p_value = (
        f"p = {comparison.p_value:.2g}" if comparison.p_value >= 1e-15 else "p < 1e-15"
    )
    found = f"KS {comparison.statistic:.3f} ({p_value})"
    if n_samples is None:
        detect = f"the {comparison.detectable:.3f} they detect"
        folds = f"the folds' {tolerance:.3f}"
    else:
        detect = (
            f"the {comparison.detectable:.3f} that {n_samples} rows detect at "
            f"alpha={alpha:g}"
        )
        folds = (
            f"the {tolerance:.3f} by which the folds' models differ, as a refit's may"
        )
    if comparison.p_value >= alpha:
        return f"{found}, below {detect}"
    if comparison.statistic > tolerance:
        # A rule tuned without folds (tune_threshold's) has no distance of
        # theirs to allow for.
        return f"{found}, beyond {detect}" + (f" and {folds}" if tolerance else "")
    return f"{found}, beyond {detect} but within {folds}"


def format_vanished(prior, classes, n_samples):
    """A caution, or ``""``, for a balance that leaves a class less than one
    of the new rows: a class gone and a class whose samples now score as
    another's look the same to the scores."""
    vanished = np.flatnonzero(prior * n_samples < 1)
    if vanished.size == 0:
        return ""
    label = shown_label(classes[vanished[0]])
    return (
        f"The estimate leaves class {label!r} less than one of the {n_samples} "
        "rows: the new data may hold none, or its samples may no longer score "
        "as they did (a changed feature), which only labelled rows tell apart; "
        "check some first. "
    )


def drift_report(found, prior, tuned_for, classes, n_samples, alpha, tolerance):
    """The verdict of check_drift and its figures, as a Bunch.

    ``found`` holds the two comparisons, each a Bunch of ``statistic``,
    ``p_value`` and ``detectable`` (the smallest significant distance):
    ``"adjusted"``, at the new data's estimated balance, and ``"stale"``, at
    the balance the rule is tuned for. If the scores differ from the
    held-out ones even at the estimated balance, they changed; else, if they
    differ at the tuned balance, the balance shifted; else there is no
    drift. The message quotes the comparisons that decided, as
    ``format_comparison``: the first alone, or both.
    """
    stale, adjusted = found["stale"], found["adjusted"]
    new, old = (
        ", ".join(
            f"{shown_label(label)!r}: {share:.3g}"
            for label, share in zip(classes, shares, strict=True)
        )
        for shares in (prior, tuned_for)
    )
    distance = "the new scores' distance from the held-out ones is"
    at_new = f"at the new data's estimated balance ({new}), {distance} " + (
        format_comparison(adjusted, alpha, tolerance, n_samples)
    )
    if differs(adjusted, alpha, tolerance):
        verdict = "scores changed"
        message = (
            f"The scores themselves changed: {at_new}. A threshold cannot fix "
            "this; retrain on data like the new data."
        )
    else:
        at_tuned = f"at the balance the rule is tuned for ({old}), it is " + (
            format_comparison(stale, alpha, tolerance)
        )
        if differs(stale, alpha, tolerance):
            verdict = "balance shift"
            message = (
                f"Balance shift: {at_new}; {at_tuned}. "
                f"{format_vanished(prior, classes, n_samples)}Re-derive the "
                "threshold: clf.with_class_prior(clf.estimate_class_prior(X_new))."
            )
        else:
            verdict = "no drift"
            message = (
                f"No drift detected: {at_new}; {at_tuned}; the threshold still applies."
            )
    return Bunch(
        verdict=verdict,
        message=message,
        class_prior=prior,
        tuned_class_prior=tuned_for,
        statistic=adjusted.statistic,
        p_value=adjusted.p_value,
        detectable_distance=adjusted.detectable,
        stale_statistic=stale.statistic,
        stale_p_value=stale.p_value,
        stale_detectable_distance=stale.detectable,
        fold_distance=tolerance,
        n_samples=n_samples,
    )


def check_estimate_size(class_prior):
    """Refuse an estimated balance from too few rows to move a rule."""
    n_samples = getattr(class_prior, "n_samples", None)
    if n_samples is not None and n_samples < MIN_PRIOR_ROWS:
        raise ValueError(
            f"class_prior was estimated from {n_samples} rows, fewer than "
            f"{MIN_PRIOR_ROWS}: its shares are mostly noise "
            f"({format_interval(class_prior)}), and a rule re-derived from "
            f"them can be worse than the current one. Estimate it on at least "
            f"{MIN_PRIOR_ROWS} new rows; a balance known from elsewhere can be "
            "given as numbers, such as with_class_prior([0.8, 0.2])."
        )


def format_interval(prior, classes=None):
    """``class 1: 0.2 (90% interval 0.05 to 0.6), ...`` for an estimate."""
    labels = range(prior.size) if classes is None else classes
    level = f"{prior.confidence_level:.0%}"
    return ", ".join(
        f"class {shown_label(label)!r}: {share:.3g} ({level} interval "
        f"{low:.3g} to {high:.3g})"
        for label, share, low, high in zip(labels, prior, *prior.interval, strict=True)
    )

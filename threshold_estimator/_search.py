"""The best threshold of one fold, and the aggregation of fold thresholds.

Numpy in, numpy out. An objective here is either an
:class:`~threshold_estimator.objectives.Objective` (a function of the
confusion counts, evaluated at every cut at once) or a *label objective*: any
object with a ``score_labels(y_true, y_pred, sample_weight)`` method, scored
one candidate at a time, coarse to fine (see :func:`objective_curve`).
"""

import numpy as np

from threshold_estimator._counts import confusion_counts

#: Candidates a label objective (a scikit-learn scorer, one call each) is
#: evaluated on per round of its coarse-to-fine search.
LABEL_CANDIDATES_PER_ROUND = 64

# Relative tolerance under which two objective values count as equal, so that
# rounding in weighted sums does not split a plateau.
_VALUE_RTOL = 1e-9


class InfeasibleObjectiveError(ValueError):
    """No threshold gives the objective a finite value."""


def cut_thresholds(scores):
    """The threshold that realises each cut of the distinct scores.

    Cut ``c`` predicts the ``c`` highest distinct scores positive. Its
    threshold lies midway between the lowest score it includes and the
    highest it excludes; the two outer cuts lie half the neighbouring gap
    beyond the extreme scores.

    Parameters
    ----------
    scores : ndarray of shape (k,)
        Distinct scores in decreasing order.

    Returns
    -------
    thresholds : ndarray of shape (k + 1,)
        Decreasing; ``score >= thresholds[c]`` holds for exactly the ``c``
        highest distinct scores.
    """
    k = scores.size
    if k == 1:
        return np.array([scores[0] + 0.5, scores[0] - 0.5])
    upper = np.concatenate(([scores[0] + (scores[0] - scores[1])], scores))
    lower = np.concatenate((scores, [scores[-1] - (scores[-2] - scores[-1])]))
    thresholds = lower + (upper - lower) / 2
    # Between two adjacent floats the midpoint rounds onto one of them; onto
    # the lower one would put that score on the wrong side of the cut.
    return np.where(thresholds <= lower, upper, thresholds)


def best_cut(values):
    """The index of the middle of the widest run of best values.

    Parameters
    ----------
    values : ndarray of shape (n_cuts,)
        Objective values by cut; ``-inf`` or NaN marks an infeasible cut.

    Returns
    -------
    index : int
        Of the runs of consecutive cuts that reach the best value, the widest
        (the first of equally wide ones, that is, the highest thresholds) and
        within it the middle cut (of two middle cuts, the first).

    Raises
    ------
    InfeasibleObjectiveError
        If no value is finite.
    """
    start, end = _best_run(values)
    return (start + end) // 2


def _best_run(values):
    """First and last index of the widest run of best values (see best_cut)."""
    finite = np.isfinite(values)
    if not finite.any():
        raise InfeasibleObjectiveError("no threshold gives a finite value")
    best = values[finite].max()
    on_best = finite & (values >= best - _VALUE_RTOL * max(1.0, abs(best)))
    edges = np.diff(np.concatenate(([0], on_best.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    widest = np.argmax(ends - starts)
    return int(starts[widest]), int(ends[widest])


def _label_curve(objective, y_true, y_score, sample_weight, thresholds):
    """A label objective at the candidates of a coarse-to-fine search.

    Each round scores up to ``LABEL_CANDIDATES_PER_ROUND`` cuts evenly spread
    in rank over a bracket, then narrows the bracket to the neighbours of the
    best of them, until every cut in the bracket has been scored. With fewer
    cuts than one round holds, every cut is scored and the search is exact.
    The ends of the run of best values are then found by bisection, and the
    run is kept as its ends and its middle cut, so that its middle is taken
    in cut position, as for count objectives.
    """
    scored = {}

    def score(cuts):
        for cut in cuts:
            if cut not in scored:
                y_pred = y_score >= thresholds[cut]
                scored[cut] = objective.score_labels(y_true, y_pred, sample_weight)

    def curve():
        cuts = np.array(sorted(scored), dtype=np.intp)
        return cuts, np.array([scored[c] for c in cuts], dtype=np.float64)

    low, high = 0, thresholds.size - 1
    while True:
        n_cuts = high - low + 1
        cuts = np.unique(
            np.linspace(low, high, min(n_cuts, LABEL_CANDIDATES_PER_ROUND)).round()
        ).astype(np.intp)
        score(cuts)
        if cuts.size == n_cuts:
            break
        values = np.array([scored[cut] for cut in cuts], dtype=np.float64)
        best = int(np.argmax(np.nan_to_num(values, nan=-np.inf)))
        low, high = cuts[max(best - 1, 0)], cuts[min(best + 1, cuts.size - 1)]
    # A plateau of the best value may reach past the last bracket. Score the
    # cuts it spans, up to one more round's worth, so that its middle is
    # taken over every cut, as for count objectives.
    cuts, values = curve()
    if not np.isfinite(values).any():
        return thresholds[cuts], values
    # The best run's candidates are denser where the search narrowed. Find
    # its true ends by bisection and keep only them and its middle cut, so
    # that its middle is taken in cut position, as for count objectives.
    start, end = _best_run(values)
    best = values[start]

    def on_best(cut):
        return scored[cut] >= best - _VALUE_RTOL * max(1.0, abs(best))

    def edge(inside, outside):
        while abs(outside - inside) > 1:
            probe = (inside + outside) // 2
            score([probe])
            inside, outside = (probe, outside) if on_best(probe) else (inside, probe)
        return inside

    first = cuts[start] if start == 0 else edge(cuts[start], cuts[start - 1])
    last = cuts[end] if end == cuts.size - 1 else edge(cuts[end], cuts[end + 1])
    middle = (first + last) // 2
    score([middle])
    if on_best(middle):
        for cut in [c for c in scored if first < c < last and c != middle]:
            del scored[cut]
    cuts, values = curve()
    return thresholds[cuts], values


def objective_curve(objective, y_true, y_score, sample_weight=None):
    """The objective at every candidate threshold of one fold.

    Parameters
    ----------
    objective : Objective or label objective
    y_true : ndarray of shape (n_samples,), dtype=bool
        True for the positive class.
    y_score : ndarray of shape (n_samples,)
        Finite held-out scores.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    thresholds : ndarray of shape (n_candidates,)
        Decreasing candidate thresholds.
    values : ndarray of shape (n_candidates,)
        The objective at each.

    Raises
    ------
    InfeasibleObjectiveError
        If a count objective allows no threshold, with the objective's reason.
    """
    scores, tn, fp, fn, tp = confusion_counts(y_true, y_score, sample_weight)
    thresholds = cut_thresholds(scores)
    if not hasattr(objective, "score_labels"):
        values = np.asarray(objective(tn, fp, fn, tp), dtype=np.float64)
        if values.shape != thresholds.shape:
            raise ValueError(
                f"The objective {objective!r} returned shape {values.shape} for "
                f"{thresholds.size} thresholds; it must return one value per "
                "threshold."
            )
        if not np.isfinite(values).any():
            raise InfeasibleObjectiveError(objective.infeasible_reason(tn, fp, fn, tp))
        return thresholds, values
    return _label_curve(objective, y_true, y_score, sample_weight, thresholds)


def counts_at(y_true, y_score, sample_weight, threshold):
    """The weighted confusion counts (tn, fp, fn, tp) at one threshold."""
    y_pred = y_score >= threshold
    weight = np.ones(y_true.size) if sample_weight is None else sample_weight
    return tuple(
        float(weight[(y_true == truth) & (y_pred == flagged)].sum())
        for truth, flagged in (
            (False, False),
            (False, True),
            (True, False),
            (True, True),
        )
    )


def value_at(objective, y_true, y_score, sample_weight, threshold):
    """The objective of one fold at one threshold."""
    if hasattr(objective, "score_labels"):
        y_pred = y_score >= threshold
        return float(objective.score_labels(y_true, y_pred, sample_weight))
    counts = counts_at(y_true, y_score, sample_weight, threshold)
    value = objective(*(np.array([count]) for count in counts))
    return float(np.asarray(value)[0])


def aggregate(fold_thresholds, how):
    """One threshold from the fold thresholds: their median or mean."""
    if how == "median":
        return float(np.median(fold_thresholds))
    if how == "mean":
        return float(np.mean(fold_thresholds))
    raise ValueError(f"Cannot aggregate fold thresholds by {how!r}.")

"""The best decision rule of held-out scores, and the aggregation of folds.

Numpy in, numpy out. An objective here is either an
:class:`~threshold_estimator.objectives.Objective` (a function of the
confusion counts, or of multiclass confusion matrices, evaluated at every cut
at once) or a *label objective*: any object with a
``score_labels(y_true, y_pred, sample_weight)`` method, scored one candidate
at a time, coarse to fine (see :func:`objective_curve`).

Two classes: one exact search over every distinct score. More classes: the
rule ``argmax_k p_k / t_k``, tuned by coordinate ascent over the classes,
each step an exact search over one class's breakpoints (see
:func:`ascend`), and kept only when it beats plain argmax and the prior
rule in a cross-validation over the held-out rows (see :func:`choose_rule`).
"""

import numpy as np

from threshold_estimator._counts import class_confusion, confusion_counts
from threshold_estimator.exceptions import InfeasibleObjectiveError

#: Candidates a label objective (a scikit-learn scorer, one call each) is
#: evaluated on per round of its coarse-to-fine search.
LABEL_CANDIDATES_PER_ROUND = 64

# Relative tolerance under which two objective values count as equal, so that
# rounding in weighted sums does not split a plateau.
_VALUE_RTOL = 1e-9

#: A coordinate ascent stops after this many sweeps over the classes ...
MAX_SWEEPS = 20
#: ... or once a sweep improves the objective by at most this much, relative
#: to its magnitude (at least 1).
SWEEP_TOL = 1e-6
#: Parts of the held-out rows in the cross-validation that decides whether a
#: tuned multiclass rule is kept.
INNER_SPLITS = 3
#: The parts are drawn up to this many times: 50,000 // n_rows times, so 5
#: up to 10,000 rows and once from 25,000 on. On small held-out sets one
#: draw's choice is noise; on large ones it is steady and the draws costly.
INNER_REPEATS = 5
_ROWS_PER_REPEAT = 50_000


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


def _on_best(value, best):
    return value >= best - _VALUE_RTOL * max(1.0, abs(best))


def _label_search(score_cut, n_cuts):
    """A label objective at the candidates of a coarse-to-fine search.

    ``score_cut(cut)`` scores cut ``cut`` of ``0 .. n_cuts - 1``. Each round
    scores up to ``LABEL_CANDIDATES_PER_ROUND`` cuts evenly spread in rank over
    a bracket, then narrows the bracket to the neighbours of the best of them,
    until every cut in the bracket has been scored. With fewer cuts than one
    round holds, every cut is scored and the search is exact. The ends of the
    run of best values are then found by bisection, and the run is kept as
    its ends and its middle cut, so that its middle is taken in cut position,
    as for count objectives.

    Returns
    -------
    cuts : ndarray of int
        The cuts scored, increasing.
    values : ndarray of float
    """
    scored = {}

    def score(cuts):
        for cut in cuts:
            if cut not in scored:
                scored[cut] = score_cut(cut)

    def curve():
        cuts = np.array(sorted(scored), dtype=np.intp)
        return cuts, np.array([scored[c] for c in cuts], dtype=np.float64)

    low, high = 0, n_cuts - 1
    while True:
        n_in_bracket = high - low + 1
        cuts = np.unique(
            np.linspace(
                low, high, min(n_in_bracket, LABEL_CANDIDATES_PER_ROUND)
            ).round()
        ).astype(np.intp)
        score(cuts)
        if cuts.size == n_in_bracket:
            break
        values = np.array([scored[cut] for cut in cuts], dtype=np.float64)
        best = int(np.argmax(np.nan_to_num(values, nan=-np.inf)))
        low, high = cuts[max(best - 1, 0)], cuts[min(best + 1, cuts.size - 1)]
    cuts, values = curve()
    if not np.isfinite(values).any():
        return cuts, values
    # The best run's candidates are denser where the search narrowed, and a
    # plateau may reach past the last bracket. Find its true ends by
    # bisection and keep only them and its middle cut.
    start, end = _best_run(values)
    best = values[start]

    def edge(inside, outside):
        while abs(outside - inside) > 1:
            probe = (inside + outside) // 2
            score([probe])
            inside, outside = (
                (probe, outside) if _on_best(scored[probe], best) else (inside, probe)
            )
        return inside

    first = cuts[start] if start == 0 else edge(cuts[start], cuts[start - 1])
    last = cuts[end] if end == cuts.size - 1 else edge(cuts[end], cuts[end + 1])
    middle = (first + last) // 2
    score([middle])
    if _on_best(scored[middle], best):
        for cut in [c for c in scored if first < c < last and c != middle]:
            del scored[cut]
    return curve()


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

    def score_cut(cut):
        y_pred = y_score >= thresholds[cut]
        return objective.score_labels(y_true, y_pred, sample_weight)

    cuts, values = _label_search(score_cut, thresholds.size)
    return thresholds[cuts], values


def thinned(n_points, best, max_points):
    """At most ``max_points`` indices of ``0 .. n_points - 1``, evenly spread in
    rank, always including ``best``."""
    keep = np.arange(n_points)
    if keep.size > max_points - 1:
        spread = np.linspace(0, keep.size - 1, max_points - 1).round()
        keep = np.union1d(spread.astype(np.intp), [best])
    return keep


def abstention_band(
    y_true, y_score, sample_weight=None, *, threshold, precision=None, rate=None
):
    """Two thresholds around ``threshold`` between which no class is predicted.

    Scores at or above ``high`` are predicted positive, below ``low``
    negative, and in between the classifier abstains; ``low <= threshold <=
    high``, so that every answer given is the one ``threshold`` gives. With
    ``precision``: the band of widest coverage (weighted share of samples
    given a class) at which the predicted positives and the predicted
    negatives each reach that precision (for the negatives, the negative
    predictive value), each class predicted at least once. With ``rate``:
    the band abstaining on at most that share of the samples that leaves the
    fewest errors among the others. Both are exact over every pair of cuts
    of the distinct scores.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,), dtype=bool
    y_score : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), default=None
    threshold : float
        The decision threshold the band must contain.
    precision, rate : float
        Exactly one of them.

    Returns
    -------
    low, high : float
    coverage : float
        The weighted share of the samples given a class.

    Raises
    ------
    InfeasibleObjectiveError
        If no band reaches ``precision``, with the best precision reachable.
    """
    scores, tn, fp, fn, tp = confusion_counts(y_true, y_score, sample_weight)
    thresholds = cut_thresholds(scores)
    flagged = tp + fp  # weight of the cut's top part, increasing
    total = flagged[-1]
    # The cut the decision threshold makes: the distinct scores at or above it.
    at = int(np.count_nonzero(scores >= threshold))
    if precision is not None:
        high, low = _precise_cuts(tn, fp, fn, tp, precision, at)
    else:
        high, low = _fewest_errors_cuts(fp, fn, flagged, rate * total, at)
    if not high <= at <= low:
        raise AssertionError("an abstention band came out inverted")
    coverage = (flagged[high] + total - flagged[low]) / total
    # At the decision threshold's own cut its value is kept, not a midpoint.
    low = threshold if low == at else float(thresholds[low])
    high = threshold if high == at else float(thresholds[high])
    return low, high, float(coverage)


def _precise_cuts(tn, fp, fn, tp, precision, at):
    """The cuts (high, low) of the widest band of the required precision."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = tp / (tp + fp)
        npv = tn / (tn + fn)
    cuts = np.arange(tp.size)
    ok_high = (cuts <= at) & (tp + fp > 0) & (ppv >= precision - _VALUE_RTOL)
    ok_low = (cuts >= at) & (tn + fn > 0) & (npv >= precision - _VALUE_RTOL)
    if not (ok_high.any() and ok_low.any()):
        reachable = min(
            np.nanmax(ppv[: at + 1], initial=0), np.nanmax(npv[at:], initial=0)
        )
        raise InfeasibleObjectiveError(
            f"no band around the decision threshold makes the predictions of "
            f"both classes reach a precision of {precision:g}; the best "
            f"reachable by both is {reachable:.4g}"
        )
    # The most positives and the most negatives predicted.
    return int(np.flatnonzero(ok_high)[-1]), int(np.flatnonzero(ok_low)[0])


def _fewest_errors_cuts(fp, fn, flagged, budget, at):
    """The cuts (high, low) around ``at`` abstaining on at most ``budget``
    weight with the fewest errors among the predicted samples, and of those
    the narrowest band."""
    high = np.arange(at + 1)
    # For each high cut, the widest low cut within the budget: fn only falls.
    widest = np.searchsorted(flagged, flagged[high] + budget * (1 + 1e-12), "right")
    widest -= 1
    within = widest >= at
    widest = np.maximum(widest, at)
    errors = np.where(within, fp[high] + fn[widest], np.inf)
    # The first low cut past at with as few missed positives: no wider.
    low = np.maximum(np.searchsorted(-fn, -fn[widest], side="left"), at)
    fewest = errors <= errors.min() + _VALUE_RTOL * max(1.0, errors.min())
    abstained = np.where(fewest, flagged[low] - flagged[high], np.inf)
    best = int(np.argmin(abstained))
    return best, int(low[best])


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
    """One rule from the fold rules: their median or mean.

    Fold thresholds of shape ``(n_folds,)`` give a float; threshold vectors of
    shape ``(n_folds, n_classes)`` are aggregated per class, then rescaled to
    sum to 1.
    """
    if how not in ("median", "mean"):
        raise ValueError(f"Cannot aggregate fold thresholds by {how!r}.")
    combined = getattr(np, how)(fold_thresholds, axis=0)
    if np.ndim(combined) == 0:
        return float(combined)
    return combined / combined.sum()


# Multiclass: the rule argmax_k p_k / t_k, held as log t.


def log_probabilities(proba):
    """``log p``, with 0 as the log of the smallest normal float (-708).

    Tuning and prediction take the logarithm alike, so that a class of
    probability 0 is ranked the same way in both.
    """
    return np.log(np.maximum(proba, np.finfo(np.float64).tiny))


def predict_classes(log_proba, log_thresholds):
    """The class index of ``argmax_k (log p_k - log t_k)`` for each sample."""
    return np.argmax(log_proba - log_thresholds, axis=1)


def rule_value(objective, y_true, log_proba, log_thresholds, sample_weight=None):
    """The objective of the rule with thresholds ``exp(log_thresholds)``."""
    y_pred = predict_classes(log_proba, log_thresholds)
    if hasattr(objective, "score_labels"):
        return float(objective.score_labels(y_true, y_pred, sample_weight))
    n_classes = log_proba.shape[1]
    confusion = np.bincount(
        y_true * n_classes + y_pred,
        weights=sample_weight,
        minlength=n_classes * n_classes,
    ).reshape(1, n_classes, n_classes)
    return float(objective.multiclass(confusion)[0])


def _class_margins(log_proba_by_class, log_thresholds, k):
    """Per sample: the breakpoint of ``log t_k`` and the class it falls back to.

    ``log_proba_by_class`` has the class axis first, shape
    ``(n_classes, n_samples)``, so that each class is a contiguous row.
    """
    n_samples = log_proba_by_class.shape[1]
    best_other = np.full(n_samples, -np.inf)
    # Where every other class has probability 0 the fallback is moot, but
    # must not be k.
    fallback = np.full(n_samples, 1 if k == 0 else 0, dtype=np.intp)
    adjusted = np.empty(n_samples)
    better = np.empty(n_samples, dtype=bool)
    for j, row in enumerate(log_proba_by_class):
        if j == k:
            continue
        np.subtract(row, log_thresholds[j], out=adjusted)
        # Strictly greater: of tied classes the first wins, as in argmax.
        np.greater(adjusted, best_other, out=better)
        np.copyto(best_other, adjusted, where=better)
        np.copyto(fallback, j, where=better)
    with np.errstate(invalid="ignore"):
        margin = log_proba_by_class[k] - best_other
    return margin, fallback


def class_curve(
    objective, y_true, log_proba_by_class, log_thresholds, k, sample_weight=None
):
    """The objective at every distinct value of ``log t_k``, the others fixed.

    Parameters
    ----------
    objective : Objective or label objective
    y_true : ndarray of shape (n_samples,), dtype=int
    log_proba_by_class : ndarray of shape (n_classes, n_samples)
        Log probabilities, the class axis first.
    log_thresholds : ndarray of shape (n_classes,)
    k : int
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    thresholds : ndarray of shape (n_candidates,)
        Candidate values of ``log t_k``, decreasing: midway between adjacent
        breakpoints, and half the neighbouring gap beyond the outer ones.
        ``None`` when no sample's prediction depends on ``t_k``.
    values : ndarray of shape (n_candidates,)
    """
    n_classes = log_proba_by_class.shape[0]
    margin, fallback = _class_margins(log_proba_by_class, log_thresholds, k)
    breakpoints, steps = class_confusion(
        y_true, margin, fallback, k, n_classes, sample_weight
    )
    if breakpoints.size == 0:
        return None, None
    thresholds = cut_thresholds(breakpoints)
    if not hasattr(objective, "score_labels"):
        return thresholds, objective._multiclass_steps(steps)

    def score_cut(cut):
        y_pred = np.where(margin >= thresholds[cut], k, fallback)
        return objective.score_labels(y_true, y_pred, sample_weight)

    cuts, values = _label_search(score_cut, thresholds.size)
    return thresholds[cuts], values


def ascend(objective, y_true, log_proba, log_thresholds, sample_weight=None):
    """Coordinate ascent of the thresholds ``t`` of ``argmax_k p_k / t_k``.

    Each step holds every threshold but ``t_k`` fixed and moves ``t_k`` to
    the exact best of all its values, the middle of the widest run of best
    values (each sample changes prediction at one breakpoint of ``t_k``, so
    the confusion matrix at every candidate comes from one sort and
    cumulative sums). A step moves ``t_k`` only when that improves the
    objective by more than ``SWEEP_TOL`` (relative to its magnitude, at
    least 1). A sweep steps through every class; the ascent stops after a
    sweep in which no step moved, so that no single threshold can then
    improve the rule by more than that, or after ``MAX_SWEEPS`` sweeps. The
    objective never decreases.

    Parameters
    ----------
    objective : Objective or label objective
    y_true : ndarray of shape (n_samples,), dtype=int
        Class indices.
    log_proba : ndarray of shape (n_samples, n_classes)
        Log probabilities; ``-inf`` for a probability of 0.
    log_thresholds : ndarray of shape (n_classes,)
        Where the ascent starts.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    thresholds : ndarray of shape (n_classes,)
        Positive, summing to 1.
    value : float
        The objective there.
    n_sweeps : int
    """
    log_thresholds = np.array(log_thresholds, dtype=np.float64)
    log_proba_by_class = np.ascontiguousarray(log_proba.T)
    value = rule_value(objective, y_true, log_proba, log_thresholds, sample_weight)
    n_sweeps = 0
    moved = True
    while moved and n_sweeps < MAX_SWEEPS:
        n_sweeps += 1
        moved = False
        for k in range(log_proba.shape[1]):
            thresholds, values = class_curve(
                objective, y_true, log_proba_by_class, log_thresholds, k, sample_weight
            )
            if thresholds is None:
                continue
            best = best_cut(values)
            # Moving along a plateau would change what the classes already
            # stepped through can reach, and a sweep could end short of a
            # coordinate-wise optimum: only a real gain moves a threshold.
            if values[best] > value + SWEEP_TOL * max(1.0, abs(value)):
                log_thresholds[k] = thresholds[best]
                value = float(values[best])
                moved = True
    return _normalise(log_thresholds), value, n_sweeps


def _normalise(log_thresholds):
    thresholds = np.exp(log_thresholds - np.max(log_thresholds))
    return thresholds / thresholds.sum()


def fixed_rules(prior):
    """The rules that need no tuning: plain argmax and the prior rule."""
    n_classes = prior.size
    return {"argmax": np.full(n_classes, 1 / n_classes), "prior": prior / prior.sum()}


def tune_rule(objective, y_true, log_proba, prior, sample_weight=None):
    """Thresholds tuned from the better of plain argmax and the prior rule.

    Returns
    -------
    thresholds : ndarray of shape (n_classes,)
    value : float
    """

    def value_of(thresholds):
        log_thresholds = np.log(thresholds)
        return rule_value(objective, y_true, log_proba, log_thresholds, sample_weight)

    start = max(fixed_rules(prior).values(), key=value_of)
    thresholds, value, _ = ascend(
        objective, y_true, log_proba, np.log(start), sample_weight
    )
    return thresholds, value


def choose_rule(objective, y_true, log_proba, prior, sample_weight=None, seed=0):
    """Plain argmax, the prior rule or a tuned rule, whichever validates best.

    The held-out rows are split into ``INNER_SPLITS`` stratified parts,
    ``min(INNER_REPEATS, max(1, 50_000 // n_samples))`` times; on each part
    the three rules are scored, the tuned one tuned on the other parts (no
    model is refitted: the rows are held-out probabilities already). The
    tuned rule is kept only when its mean over the parts beats both fixed
    rules; of those, argmax is kept unless the prior rule is better. With
    fewer samples of a class than parts, the better fixed rule on all the
    rows is kept untried.

    Parameters
    ----------
    objective : Objective or label objective
    y_true : ndarray of shape (n_samples,), dtype=int
    log_proba : ndarray of shape (n_samples, n_classes)
    prior : ndarray of shape (n_classes,)
        The class shares of the training data.
    sample_weight : ndarray of shape (n_samples,), default=None
    seed : int, default=0
        Seed of the splits into parts.

    Returns
    -------
    rule : {"argmax", "prior", "tuned"}
    thresholds : ndarray of shape (n_classes,)
        Positive, summing to 1.
    """
    fixed = fixed_rules(prior)
    scores = {name: [] for name in (*fixed, "tuned")}

    def score(name, thresholds, rows):
        weight = None if sample_weight is None else sample_weight[rows]
        scores[name].append(
            rule_value(
                objective, y_true[rows], log_proba[rows], np.log(thresholds), weight
            )
        )

    repeats = min(INNER_REPEATS, max(1, _ROWS_PER_REPEAT // y_true.size))
    for repeat in range(repeats):
        parts = _stratified_parts(y_true, INNER_SPLITS, seed + repeat)
        if parts is None:
            break
        for part in range(INNER_SPLITS):
            fit, held = parts != part, parts == part
            fit_weight = None if sample_weight is None else sample_weight[fit]
            tuned, _ = tune_rule(
                objective, y_true[fit], log_proba[fit], prior, fit_weight
            )
            for name, thresholds in (*fixed.items(), ("tuned", tuned)):
                score(name, thresholds, held)
    if not scores["tuned"]:
        for name, thresholds in fixed.items():
            score(name, thresholds, np.arange(y_true.size))
    means = {name: np.mean(values) for name, values in scores.items() if values}
    kept = "prior" if means["prior"] > means["argmax"] else "argmax"
    if means.get("tuned", -np.inf) > means[kept]:
        thresholds, _ = tune_rule(objective, y_true, log_proba, prior, sample_weight)
        return "tuned", thresholds
    return kept, fixed[kept]


def _stratified_parts(y_true, n_parts, seed):
    """A part index per sample, each class spread evenly; None if too few."""
    counts = np.bincount(y_true)
    if counts[counts > 0].min() < n_parts:
        return None
    rng = np.random.default_rng(seed)
    parts = np.empty(y_true.size, dtype=np.intp)
    offset = 0
    for label in np.flatnonzero(counts):
        members = rng.permutation(np.flatnonzero(y_true == label))
        parts[members] = (np.arange(members.size) + offset) % n_parts
        offset += members.size
    return parts


def margin_to_threshold(scores, threshold, log_odds):
    """Signed distance to the threshold: ``> 0`` exactly where score >= it.

    Never exactly 0, so that the sign alone says the side, as scikit-learn's
    linear models' ``decision_function`` does.
    """
    positive = scores >= threshold
    if log_odds:
        # Probabilities are clipped so that 0, 1 and thresholds outside (0, 1)
        # keep a finite log-odds; the sign is then restored from the comparison.
        eps = np.finfo(np.float64).eps
        p = np.clip(scores, eps, 1 - eps)
        t = np.clip(threshold, eps, 1 - eps)
        raw = np.log(p) - np.log1p(-p) - (np.log(t) - np.log1p(-t))
    else:
        raw = scores - threshold
    tiny = np.finfo(np.float64).tiny
    return np.where(positive, np.maximum(raw, tiny), np.minimum(raw, -tiny))

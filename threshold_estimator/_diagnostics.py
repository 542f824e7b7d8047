"""Signs of a fragile decision rule, the summary table and the verbose lines.

Pure functions of arrays: each check returns a list of ``(warning class,
message)`` pairs (empty when all is well), so that it can be tested without a
fit; the estimator only emits them. Two classes and more share each check,
with the counts of every class in the order of ``classes_``.
"""

import numpy as np

from threshold_estimator._search import log_probabilities, predict_classes
from threshold_estimator.exceptions import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    InfeasibleFoldsWarning,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
)
from threshold_estimator.objectives import Constrained

# Fewer distinct held-out scores than this in a fold leave the threshold few
# places to go.
MIN_DISTINCT_SCORES = 10
# Fold rules disagree when their predicted shares differ by this factor.
DISAGREEMENT_RATIO = 2.0
# Fewer samples of a class than this in a held-out fold is too few to tune on.
FEW_SAMPLES = 5
# One score shared by more than this share of a fold's samples is a pile that
# no threshold splits.
TIED_SHARE = 0.5
# A run of equal scores next to the threshold, of at least this share of the
# samples (and FEW_SAMPLES), flips as one block when the threshold moves past it.
TIED_BLOCK_SHARE = 0.05
# Probabilities tied this close to 0 or 1 are a squashing function's rounding
# (a float32 sigmoid steps by 6e-8 next to 1 and is exactly 1 above a logit
# of 17), which margins or logits keep apart.
EXTREME = 1e-6
# A predicted share this many times the actual share, or below its inverse,
# is worth a warning.
RATE_RATIO = 10.0


_FINER_SCORES_ADVICE = (
    "A model with finer scores (a deeper tree, an ensemble, more neighbours, "
    "more informative features) gives the threshold samples to separate."
)


def shown_label(label):
    """A class label as the user wrote it: ``2``, not ``np.int64(2)``."""
    return label.item() if isinstance(label, np.generic) else label


def shown_number(value, digits=3):
    """``value`` to ``digits`` significant digits, more next to 1.

    ``"g"`` formatting keeps the significant digits of a value near 0
    (``0.000123``) but rounds one near 1 onto it (``0.9996`` to ``1``). Where
    fewer than two digits of the distance to 1 would show, the value gets
    the decimals that show three: ``0.999600``.
    """
    gap = 1 - value
    if 0 < gap < 10.0 ** (1 - digits):
        return f"{value:.{2 - int(np.floor(np.log10(gap)))}f}"
    return f"{value:.{digits}g}"


def few_samples(held_out_counts, classes):
    """A held-out part with fewer than ``FEW_SAMPLES`` samples of a class.

    Parameters
    ----------
    held_out_counts : ndarray of shape (n_folds, n_classes)
        The number of samples of each class in each held-out part.
    classes : ndarray of shape (n_classes,)
    """
    fold, label = np.unravel_index(np.argmin(held_out_counts), held_out_counts.shape)
    fewest = held_out_counts[fold, label]
    if fewest >= FEW_SAMPLES:
        return []
    return [
        (
            FewSamplesWarning,
            f"The held-out part of fold {fold} holds only {fewest} samples of "
            f"class {shown_label(classes[label])!r}, so its threshold rests on "
            "them. Use fewer folds, a RepeatedStratifiedKFold, or more data.",
        )
    ]


def _tie_at_threshold(values, counts, threshold):
    """The index in ``values`` of the larger run of equal scores next to
    ``threshold`` (the lowest predicted positive or the highest below it),
    and which side of it that run lies."""
    above = int(np.searchsorted(values, threshold))
    sides = [(i, side) for i, side in ((above, "above"), (above - 1, "below"))]
    return max(
        ((i, side) for i, side in sides if 0 <= i < values.size),
        key=lambda found: counts[found[0]],
    )


def _saturation(scores, is_probability, threshold):
    """Why tied scores leave the threshold little to do, or ``""``; and
    whether the tie is probabilities squashed against 0 or 1.

    Only ties count: distinct scores, however close, keep the model's order
    (rounding, such as a float32 sigmoid's, is monotone: it merges scores,
    never swaps them), so a threshold can still separate them.
    """
    values, counts = np.unique(scores, return_counts=True)
    n = scores.size
    near_end = np.minimum(values, 1 - values) <= EXTREME
    largest = int(np.argmax(counts))
    if values.size < min(MIN_DISTINCT_SCORES, n / 2):
        reason = (
            f"the {n} samples take only {values.size} distinct scores, so the "
            f"threshold has {values.size + 1} places to go"
        )
        # Squashed only if all of them are: steps across [0, 1] are a coarse
        # model's, such as a tree's leaves or a few neighbours' votes.
        return reason, is_probability and bool(near_end.all())
    if counts[largest] > TIED_SHARE * n:
        reason = (
            f"{counts[largest]} of the {n} samples share the score "
            f"{shown_number(values[largest])}, so they fall on the same side of "
            "any threshold"
        )
    elif threshold is None:
        return "", False
    else:
        tied, side = _tie_at_threshold(values, counts, threshold)
        if counts[tied] < max(FEW_SAMPLES, TIED_BLOCK_SHARE * n):
            return "", False
        largest = tied
        reason = (
            f"{counts[tied]} of the {n} samples share the score "
            f"{shown_number(values[tied])} just {side} the threshold tuned on "
            f"these scores, {shown_number(threshold, 4)}, so moving the "
            f"threshold past that score flips {counts[tied]} predictions at once"
        )
    return reason, is_probability and bool(near_end[largest])


def saturation(scores, is_probability, threshold=None):
    """Why tied scores leave the threshold little to do, or an empty string.

    Scores are saturated when they take fewer than ``MIN_DISTINCT_SCORES``
    distinct values (and fewer than half as many as samples), when more than
    ``TIED_SHARE`` of them share one value, or, given a threshold, when the
    run of equal scores just above or below it holds at least
    ``TIED_BLOCK_SHARE`` of the samples (and ``FEW_SAMPLES``). Distinct scores
    never are, however close to 0 or 1.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
        Binary: the scores of ``pos_label``. Multiclass: each sample's largest
        class probability.
    is_probability : bool
        Whether ties within ``EXTREME`` of 0 or 1 are probabilities squashed
        there, which finer responses keep apart.
    threshold : float, default=None
        Binary: the threshold tuned on ``scores``.
    """
    return _saturation(scores, is_probability, threshold)[0]


def saturated_scores(
    fold_scores, is_probability, advice, fold_thresholds=None, names=None
):
    """The first set of scores that is saturated (see saturation).

    Parameters
    ----------
    fold_scores : sequence of ndarray of shape (n_samples,)
    is_probability : bool
    advice : str
        What to do about probabilities tied at 0 or 1, which only the caller
        knows (another response method, logits, a less confident model).
        Other ties get advice of their own: a model with finer scores.
    fold_thresholds : sequence of float, default=None
        Binary: the threshold tuned on each set.
    names : sequence of str, default=None
        What the message calls each set; by default "The held-out scores of
        fold i".
    """
    if fold_thresholds is None:
        fold_thresholds = [None] * len(fold_scores)
    if names is None:
        names = [f"The held-out scores of fold {i}" for i in range(len(fold_scores))]
    for scores, threshold, name in zip(
        fold_scores, fold_thresholds, names, strict=True
    ):
        reason, squashed = _saturation(scores, is_probability, threshold)
        if reason:
            return [
                (
                    SaturatedScoresWarning,
                    f"{name} are tied: {reason}. "
                    + (advice if squashed else _FINER_SCORES_ADVICE),
                )
            ]
    return []


def fold_disagreement(fold_predicted_counts, fold_thresholds, aggregation, classes):
    """Fold rules whose predicted class shares differ more than twofold.

    Parameters
    ----------
    fold_predicted_counts : ndarray of shape (n_folds, n_classes)
        How many of the pooled held-out samples each fold's rule predicts as
        each class.
    fold_thresholds : ndarray of shape (n_folds,) or (n_folds, n_classes)
    aggregation : str
    classes : ndarray of shape (n_classes,)
    """
    n_classes = fold_predicted_counts.shape[1]
    n = fold_predicted_counts[0].sum()
    # Smoothed so that a class predicted nowhere by one fold is no infinity.
    shares = (fold_predicted_counts + 0.5) / (n + n_classes / 2)
    ratios = shares.max(axis=0) / shares.min(axis=0)
    if ratios.max() <= DISAGREEMENT_RATIO:
        return []
    advice = (
        "more folds or more data steady it."
        if aggregation == "pooled"
        else "aggregation='pooled', more folds or more data steady it."
    )
    if n_classes == 2:
        spread = ", ".join(shown_number(t, 4) for t in fold_thresholds)
        positives = fold_predicted_counts[:, 1]
        what = (
            f"({spread}): they predict between {positives.min()} and "
            f"{positives.max()} of {n} held-out samples positive"
        )
    else:
        label = int(np.argmax(ratios))
        counts = fold_predicted_counts[:, label]
        what = (
            f"for class {shown_label(classes[label])!r}: they predict it for between "
            f"{counts.min()} and {counts.max()} of {n} held-out samples"
        )
    return [
        (
            FoldDisagreementWarning,
            f"The fold thresholds disagree strongly {what}. The threshold rests "
            f"on few samples; {advice}",
        )
    ]


def one_class_predicted(predicted_counts, objective, edge=None):
    """A rule that predicts a single class for all the held-out samples.

    Parameters
    ----------
    predicted_counts : ndarray of shape (n_classes,)
        How many pooled held-out samples the decision rule predicts as each
        class.
    objective : object
        The objective, named in the message.
    edge : str, default=None
        Binary: where the threshold lies, such as ``"0.97 lies above"``.
    """
    if np.count_nonzero(predicted_counts) > 1:
        return []
    where = (
        f"The tuned threshold {edge} every held-out score"
        if edge
        else "The tuned thresholds predict one class for every held-out sample"
    )
    return [
        (
            ThresholdAtEdgeWarning,
            f"{where}, so the classifier predicts one class throughout: "
            f"{objective!r} prefers no decision on these scores.",
        )
    ]


def predicted_rate(predicted_counts, actual_counts, classes, checked, weighted=""):
    """A class predicted ten times more or less often than it occurs.

    Parameters
    ----------
    predicted_counts, actual_counts : ndarray of shape (n_classes,)
        Over the pooled held-out samples; both weighted, or neither.
    classes : ndarray of shape (n_classes,)
    checked : sequence of int
        The class indices to check (binary: the positive class only).
    weighted : str, default=""
        What weighs the counts, as the objective sees them (such as
        ``"sample_weight"``), which the message then says; empty if nothing.
    """
    predicted = predicted_counts / predicted_counts.sum()
    actual = actual_counts / actual_counts.sum()
    samples = (
        f"the held-out samples, weighted by {weighted},"
        if weighted
        else "the held-out samples"
    )
    for label in checked:
        if 1 / RATE_RATIO <= predicted[label] / actual[label] <= RATE_RATIO:
            continue
        if len(classes) == 2:
            what = (
                f"{predicted[label]:.2%} of {samples} are predicted positive, "
                f"against {actual[label]:.2%} positive"
            )
        else:
            what = (
                f"{predicted[label]:.2%} of {samples} are predicted as class "
                f"{shown_label(classes[label])!r}, against {actual[label]:.2%} of that "
                "class"
            )
        return [
            (
                PositiveRateWarning,
                f"At the tuned threshold {what}: more than ten times apart. Check "
                "pos_label and the objective; a cost or a capacity may mean it.",
            )
        ]
    return []


def format_bound(objective):
    """A constraint's bound in words: ``"precision >= 0.9"``."""
    if objective.at_least is not None:
        return f"{objective.subject_to.name} >= {objective.at_least:g}"
    return f"{objective.subject_to.name} <= {objective.at_most:g}"


def format_quantity(objective, unit="sample"):
    """What a report calls the objective's value, shown with its sign.

    A cost is shown as the expected cost per ``unit`` (``-value``, see
    ``Objective.greater_is_better``); a constraint as the quantity it
    maximises, with its bound; anything else by its name.
    """
    if not getattr(objective, "greater_is_better", True):
        return f"cost per {unit}"
    if isinstance(objective, Constrained):
        return f"{objective.maximize.name} ({format_bound(objective)})"
    return getattr(objective, "name", repr(objective))


def objective_sign(objective):
    """1, or -1 for an objective whose value is minus the quantity shown."""
    return 1 if getattr(objective, "greater_is_better", True) else -1


def _listed(items):
    """``"2"``, ``"2 and 4"``, ``"1, 2 and 4"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def format_missed_constraint(objective, fold_values, pooled_value):
    """Where the decision threshold misses a constraint's bound, or ``""``.

    Parameters
    ----------
    objective : Constrained
    fold_values : ndarray of shape (n_folds,)
        The bounded quantity at the decision threshold in each held-out fold.
    pooled_value : float
        The same on all the held-out samples together.
    """
    fold_values = np.asarray(fold_values, dtype=np.float64)
    missed = np.flatnonzero(~objective.meets_bound(fold_values))
    name = objective.subject_to.name
    where = []
    if missed.size:
        folds = _listed([str(i + 1) for i in missed])
        values = _listed([shown_number(v) for v in fold_values[missed]])
        plural = "s" if missed.size > 1 else ""
        where.append(f"in fold{plural} {folds} of {fold_values.size} ({name} {values})")
    if not objective.meets_bound(pooled_value):
        where.append(f"on the folds pooled ({name} {shown_number(pooled_value)})")
    if not where:
        return ""
    return (
        f"the decision threshold misses {format_bound(objective)} {' and '.join(where)}"
    )


def missed_constraint(objective, fold_values, pooled_value, aggregation="pooled"):
    """A decision threshold that misses a constraint on held-out data.

    Each fold's own threshold meets the bound (or fit fails); the aggregated
    threshold need not, fold by fold.

    Parameters
    ----------
    objective : Constrained
    fold_values : ndarray of shape (n_folds,)
        The bounded quantity at the decision threshold in each held-out fold.
    pooled_value : float
        The same on all the held-out samples together.
    aggregation : str, default="pooled"
    """
    where = format_missed_constraint(objective, fold_values, pooled_value)
    if not where:
        return []
    if objective.meets_bound(pooled_value):
        advice = (
            "The bound holds on the held-out samples as a whole but not in "
            "every fold, so new data may miss it too. Loosen the bound, or give "
            "the folds more samples (fewer folds, more data)."
        )
    else:
        pooled = "" if aggregation == "pooled" else "use aggregation='pooled', "
        advice = (
            f"To meet it on the held-out samples as a whole, {pooled}loosen the "
            "bound, or give the folds more samples."
        )
    if not objective.meets_bound(fold_values).all():
        advice += (
            " fold_scores_ is -inf in those folds and best_score_ None; "
            "constraint_values_ holds the values reached."
        )
    return [(InfeasibleFoldsWarning, f"{where[0].upper()}{where[1:]}. {advice}")]


def format_rows(rows):
    """Labels and values as two aligned columns."""
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label:<{width}}{value}" for label, value in rows)


def held_out_row(name, best_score, fold_scores, missed=""):
    """The summary's last row: the held-out objective at the decision rule.

    ``best_score`` and ``fold_scores`` are as shown (a cost as a cost);
    ``missed`` says where a constraint is missed (see
    :func:`format_missed_constraint`), and replaces the values when a fold
    has none.
    """
    if best_score is None or not np.isfinite(fold_scores).all():
        return (f"held-out {name}", f"none: {missed or 'not finite in every fold'}")
    value = (
        f"{best_score:.3f} (folds {fold_scores.min():.3f} to {fold_scores.max():.3f})"
    )
    if missed:
        value += f"; {missed}"
    return (f"held-out {name}", value)


def how_aggregated(aggregation, n_folds, rule="tuned"):
    """How the folds became the decision rule, in words."""
    if rule == "argmax":
        return f"plain argmax: tuning did not validate better over {n_folds} folds"
    if rule == "prior":
        return (
            "the prior rule p_k / prior_k: tuning did not validate better over "
            f"{n_folds} folds"
        )
    return {
        "median": f"median of {n_folds} fold thresholds",
        "mean": f"mean of {n_folds} fold thresholds",
        "pooled": f"one search over the {n_folds} folds pooled",
    }[aggregation]


def binary_summary_rows(threshold, fold_thresholds, spread, interval, how):
    """The summary rows of a tuned binary threshold."""
    low, high = interval
    return [
        ("decision threshold", f"{shown_number(threshold)} ({how})"),
        ("fold thresholds", " ".join(shown_number(t) for t in fold_thresholds)),
        ("spread (std)", f"{spread:.3g}"),
        ("90% interval", f"[{shown_number(low)}, {shown_number(high)}]"),
    ]


def multiclass_summary_rows(classes, thresholds, fold_thresholds, spread, how):
    """The summary rows of a tuned multiclass rule: one per class."""
    rows = [("decision rule", f"argmax_k p_k / t_k ({how})")]
    for label, t, folds, std in zip(
        classes, thresholds, fold_thresholds.T, spread, strict=True
    ):
        rows.append(
            (
                f"t[{label}]",
                f"{shown_number(t)} (folds {shown_number(folds.min())} to "
                f"{shown_number(folds.max())}, std {std:.3g})",
            )
        )
    return rows


def shown_threshold(threshold):
    """A threshold as ``0.2983``, or a vector of them as ``[0.44 0.34 0.22]``."""
    if np.ndim(threshold) == 0:
        return shown_number(threshold, 4)
    return "[" + " ".join(shown_number(t) for t in threshold) + "]"


def fold_line(i, n_folds, n_held_out, threshold, name, score, seconds):
    """The verbose line of one fold; ``score`` as shown (a cost as a cost)."""
    shown = "none (constraint missed)" if np.isinf(score) else f"{score:.4g}"
    return (
        f"fold {i + 1}/{n_folds}: {n_held_out} held-out samples, threshold "
        f"{shown_threshold(threshold)}, {name} at the decision threshold "
        f"{shown} ({seconds:.2f} s)"
    )


def check_fragility(
    record,
    tuned,
    target,
    objective,
    response_method,
    estimator,
    aggregation,
    sample_weight=None,
    weighted_by="",
):
    """(warning class, message) for each sign of a fragile tuned rule.

    ``record`` is the held-out record of ``_cv``; ``tuned`` what tuning
    found; ``sample_weight`` weighs the samples as the objective does, and
    ``weighted_by`` says what it comes from.
    """
    classes = target.classes
    held_out_counts = record.fold_counts(classes.size)
    pooled = record.scores
    # Shares are compared as the objective sees them: weighted, if weights.
    weight = None if sample_weight is None else sample_weight[record.index]
    actual = np.bincount(record.codes, weights=weight, minlength=classes.size)
    found = few_samples(held_out_counts, classes)
    name = type(estimator).__name__
    if target.is_binary:
        if response_method == "predict_proba" and hasattr(
            estimator, "decision_function"
        ):
            advice = (
                "Use response_method='decision_function': "
                f"{name}'s margins are not squashed into [0, 1]."
            )
        else:
            # Read only for probabilities: margins are checked for ties, whose
            # advice is the diagnostics' own.
            advice = (
                f"{name} has no decision_function to read instead. If the "
                "model has logits (a network's output before its sigmoid), "
                "tune on them: threshold_estimator.tune_threshold(y, logits, "
                "score_type='logit'). Otherwise make it less confident (more "
                "regularisation, fewer epochs, label smoothing): calibrating "
                "its probabilities cannot separate values tied at 0 or 1."
            )
        found += saturated_scores(
            [record.scores[part] for part in record.folds],
            response_method == "predict_proba",
            advice,
            tuned.fold_thresholds,
        )
        pos = int(np.flatnonzero(classes == target.pos_label)[0])
        # Counts in the order of classes_: pos_label's column is pos.
        fold_counts = np.array(
            [_binary_counts(pooled >= t, pos) for t in tuned.fold_thresholds]
        )
        decision = np.where(pooled >= tuned.threshold, pos, 1 - pos)
        side = "above" if tuned.threshold > pooled.max() else "below"
        edge = f"{shown_number(tuned.threshold, 4)} lies {side}"
    else:
        advice = (
            f"Wrap {name} in sklearn.calibration.CalibratedClassifierCV, which "
            "calibrates its decision_function, whose margins are not squashed."
            if hasattr(estimator, "decision_function")
            else f"Make {name} less confident (more regularisation, fewer "
            "epochs, label smoothing): calibrating its probabilities cannot "
            "separate values tied at 0 or 1."
        )
        found += saturated_scores(
            [record.scores[part].max(axis=1) for part in record.folds], True, advice
        )
        log_proba = log_probabilities(pooled)
        fold_counts = np.array(
            [
                np.bincount(
                    predict_classes(log_proba, np.log(t)), minlength=classes.size
                )
                for t in tuned.fold_thresholds
            ]
        )
        decision = predict_classes(log_proba, np.log(tuned.threshold))
        pos, edge = None, None
    found += fold_disagreement(fold_counts, tuned.fold_thresholds, aggregation, classes)
    decision_counts = np.bincount(decision, minlength=classes.size)
    at_edge = one_class_predicted(decision_counts, objective, edge)
    if at_edge:
        return found + at_edge
    # For two classes only pos_label's rate is checked.
    checked = [pos] if pos is not None else range(classes.size)
    return found + predicted_rate(
        np.bincount(decision, weights=weight, minlength=classes.size),
        actual,
        classes,
        checked,
        weighted=weighted_by,
    )


def _binary_counts(positive, pos):
    """Predicted counts in the order of classes_, pos_label at index ``pos``."""
    n_positive = int(np.count_nonzero(positive))
    counts = [positive.size - n_positive, n_positive]
    return np.array(counts if pos == 1 else counts[::-1])

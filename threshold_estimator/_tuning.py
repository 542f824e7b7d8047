"""Rules from the held-out record: binary exact search, multiclass ascent
and rule selection, aggregation of the folds, the Bayes rule.

Every function reads the ``HeldOut`` record of ``_cv`` (or, for
``with_class_prior``, the summary of ``_shift``) and returns arrays; none
knows where the scores came from.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import _check_method_params

from threshold_estimator._counts import confusion_counts
from threshold_estimator._search import (
    aggregate,
    best_cut,
    choose_rule,
    counts_at,
    fixed_rules,
    log_probabilities,
    objective_curve,
    rule_value,
    thinned,
    tune_rule,
    value_at,
)
from threshold_estimator.exceptions import InfeasibleObjectiveError
from threshold_estimator.objectives import get_objective

# Points kept per fold curve in cv_results_.
_MAX_CURVE_POINTS = 1000
# Percentiles of the fold thresholds that bound threshold_interval_.
_INTERVAL = (5, 95)


class Tuned(NamedTuple):
    """What tuning found: the decision rule and the folds' view of it."""

    threshold: object
    fold_thresholds: np.ndarray
    fold_scores: np.ndarray
    # "tuned", or the fixed rule a multiclass tuning kept: "argmax", "prior".
    rule: str
    cv_results: dict


class Binder:
    """The objective, truths and weights of any set of held-out samples.

    Per-sample metadata (a scorer's routed parameters, an objective's cost
    arrays) is sliced with the same indices as the scores, so that a fold and
    the pooled folds are handled alike.
    """

    def __init__(self, objective, truth, sample_weight, params):
        self.objective = objective
        self.truth = truth
        self.sample_weight = sample_weight
        self.params = params

    def __call__(self, indices):
        y_true = self.truth[indices]
        weight = None if self.sample_weight is None else self.sample_weight[indices]
        params = _check_method_params(self.truth, self.params, indices=indices)
        objective, weight = self.objective.bind(y_true, weight, params)
        return objective, y_true, weight


def tune_binary(record, bind, aggregation, store_curves=False):
    """Each fold's exact threshold, and the aggregated one, as ``Tuned``."""
    curves, bound = [], []
    for i, part in enumerate(record.folds):
        objective, y_true, weight = bind(record.index[part])
        scores = record.scores[part]
        thresholds, values, best = search_fold(
            objective,
            y_true,
            scores,
            weight,
            f"the held-out part of fold {i}",
            bind.objective,
        )
        curves.append((thresholds, values, best))
        bound.append((objective, y_true, scores, weight))
    fold_thresholds = np.array([t[best] for t, _, best in curves])
    if aggregation == "pooled":
        objective, y_true, weight = bind(record.index)
        thresholds, _, best = search_fold(
            objective,
            y_true,
            record.scores,
            weight,
            "the held-out parts of the folds pooled",
            bind.objective,
        )
        threshold = float(thresholds[best])
    else:
        threshold = aggregate(fold_thresholds, aggregation)
    fold_scores = np.array([value_at(o, y, s, w, threshold) for o, y, s, w in bound])
    cv_results = (
        curve_results(curves, record, bind, threshold, fold_scores)
        if store_curves
        else None
    )
    return Tuned(threshold, fold_thresholds, fold_scores, "tuned", cv_results)


def tune_multiclass(record, bind, prior, aggregation, seed, store_curves=False):
    """Each fold's tuned vector, and the rule kept for all the folds.

    ``prior`` is the training data's class balance, which the probabilities
    reflect: the prior rule divides by it.
    """
    per_fold = []
    for part in record.folds:
        objective, y_true, weight = bind(record.index[part])
        log_proba = log_probabilities(record.scores[part])
        thresholds, _ = tune_rule(objective, y_true, log_proba, prior, weight)
        per_fold.append((thresholds, objective, y_true, log_proba, weight))
    fold_thresholds = np.array([t for t, *_ in per_fold])
    if aggregation == "pooled":
        objective, y_true, weight = bind(record.index)
        log_proba = log_probabilities(record.scores)
        rule, threshold = choose_rule(
            objective, y_true, log_proba, prior, weight, seed=seed
        )
    else:
        rule, threshold = "tuned", aggregate(fold_thresholds, aggregation)
    fixed = fixed_rules(prior)
    results = {
        name: np.array(
            [rule_value(o, y, lp, np.log(thresholds), w) for _, o, y, lp, w in per_fold]
        )
        for name, thresholds in (*fixed.items(), ("decision", threshold))
    }
    cv_results = results if store_curves else None
    return Tuned(threshold, fold_thresholds, results["decision"], rule, cv_results)


def search_fold(objective, y_true, scores, weight, where, scoring, advice=None):
    """The curve and best cut of one set of binary samples; ``where`` and
    ``advice`` complete the error of an objective that allows no threshold."""
    try:
        thresholds, values = objective_curve(objective, y_true, scores, weight)
        return thresholds, values, best_cut(values)
    except InfeasibleObjectiveError as exc:
        advice = advice or (
            "Loosen the bound, use fewer folds (more samples per fold), or "
            "choose another objective."
        )
        raise InfeasibleObjectiveError(
            f"scoring={scoring!r} allows no threshold on {where}: {exc}. {advice}"
        ) from None


def compute_spread(fold_thresholds):
    """Standard deviation and 5th-95th percentile interval of the folds."""
    n_folds = len(fold_thresholds)
    spread = (
        np.std(fold_thresholds, axis=0, ddof=1)
        if n_folds > 1
        else np.zeros_like(fold_thresholds[0])
    )
    interval = np.percentile(fold_thresholds, _INTERVAL, axis=0)
    if np.ndim(fold_thresholds) == 1:
        return float(spread), tuple(float(q) for q in interval)
    return spread, interval.T


def curve_results(curves, record, bind, decision_threshold, fold_scores):
    """Each fold's curve, thinned, with its rates; see ``cv_results_``."""
    results = {
        key: [] for key in ("thresholds", "scores", "precision", "recall", "fpr")
    }
    for (thresholds, values, best), part, at_decision in zip(
        curves, record.folds, fold_scores, strict=True
    ):
        # One point is left for the decision threshold.
        keep = thinned(thresholds.size, best, _MAX_CURVE_POINTS - 1)
        kept, values = thresholds[keep], values[keep]
        if decision_threshold not in kept:
            # The aggregated threshold, with the fold's exact value there.
            where = np.searchsorted(-kept, -decision_threshold)
            kept = np.insert(kept, where, decision_threshold)
            values = np.insert(values, where, at_decision)
        test = record.index[part]
        y_true = bind.truth[test]
        weight = None if bind.sample_weight is None else bind.sample_weight[test]
        distinct, tn, fp, fn, tp = confusion_counts(y_true, record.scores[part], weight)
        cut = np.searchsorted(-distinct, -kept, side="right")
        counts = (tn[cut], fp[cut], fn[cut], tp[cut])
        results["thresholds"].append(kept)
        results["scores"].append(values)
        for rate in ("precision", "recall", "fpr"):
            results[rate].append(get_objective(rate)(*counts))
    results["tpr"] = results["recall"]
    return results


def bayes_rule(objective, classes, pos_label, training_prior, prior):
    """The Bayes rule of ``objective`` for calibrated probabilities.

    The probabilities reflect ``training_prior``; on data of balance
    ``prior`` they would be ``p_k prior_k / training_prior_k``, rescaled, so
    the rule for that data weighs each class's probability by that ratio.
    """
    ratio = prior / training_prior
    if pos_label is not None:
        # The objective sees the classes as (negative, positive).
        pos = int(np.flatnonzero(classes == pos_label)[0])
        prior, ratio = prior[[1 - pos, pos]], ratio[[1 - pos, pos]]
    rule = objective._bayes_weights(prior)
    if rule is not None:
        rule = ratio[:, None] * rule if rule.ndim == 2 else ratio * rule
    if rule is None:
        raise ValueError(
            "threshold='bayes' applies the Bayes rule of a cost (cost(...), "
            "cost_matrix(...)), 'balanced_accuracy' or 'accuracy', but "
            f"scoring={objective!r} has none. Use threshold='auto' to tune it."
        )
    fitted = {"rule": "bayes", "objective": objective}
    if rule.ndim == 2 and pos_label is not None:
        # Errors that cost nothing extra: the rule is still one threshold.
        extra = np.array([rule[0, 1] - rule[0, 0], rule[1, 0] - rule[1, 1]])
        if extra.sum() <= 0:
            raise ValueError(
                f"threshold='bayes': {objective!r} gives every decision the "
                "same cost, so no rule is better than another."
            )
        return {"threshold": float(extra[0] / extra.sum()), **fitted}
    if rule.ndim == 2:
        return {"threshold": None, "cost_matrix": rule, **fitted}
    if pos_label is not None:
        # Predict positive where p w_pos >= (1 - p) w_neg.
        return {"threshold": float(rule[0] / rule.sum()), **fitted}
    inverse = 1 / rule
    return {"threshold": inverse / inverse.sum(), **fitted}


def constraint_values(objective, record, bind, threshold):
    """A constraint's bounded quantity at ``threshold``: per fold and pooled.

    Counted as the objective counts (weighted, and reweighted to
    ``class_prior``), from each fold's held-out counts: nothing is refitted.
    """

    def value_on(indices, scores):
        _, y_true, weight = bind(indices)
        counts = counts_at(y_true, scores, weight, threshold)
        return float(objective.subject_to(*(np.array([c]) for c in counts))[0])

    return {
        "folds": np.array(
            [value_on(record.index[part], record.scores[part]) for part in record.folds]
        ),
        "pooled": value_on(record.index, record.scores),
    }

"""Scores in, decisions out: tune a threshold from labels and scores alone."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, softmax
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import column_or_1d

from threshold_estimator import _diagnostics
from threshold_estimator._abstention import (
    check_abstention,
    tune_band,
)
from threshold_estimator._calibration import calibrate, fit_calibration
from threshold_estimator._checks import (
    check_class_prior,
    check_target,
    check_weights,
    class_shares,
    pop_objective_params,
)
from threshold_estimator._rule import DecisionRuleMixin
from threshold_estimator._scoring import check_pos_label, resolve_scoring
from threshold_estimator._search import (
    choose_rule,
    log_probabilities,
    rule_value,
    thinned,
    tune_rule,
)
from threshold_estimator._shift import summarize
from threshold_estimator._tuning import Binder, search_fold
from threshold_estimator._versions import check_versions, with_versions
from threshold_estimator._warnings import warn_at_caller
from threshold_estimator.objectives import Objective

# Points of the objective curve kept in the result.
_MAX_CURVE_POINTS = 1000


class TunedThreshold(DecisionRuleMixin):
    """A decision rule tuned on labels and scores, and the classifier applying it.

    Made by :func:`tune_threshold`. It predicts from scores alone, such as a
    network's outputs, with no model attached, and has the estimator's
    class-balance and abstention methods (:meth:`estimate_class_prior`,
    :meth:`with_class_prior`, :meth:`check_drift`,
    :meth:`predict_with_abstention`) with the same semantics. It pickles
    (and saves with :mod:`threshold_estimator.persistence`) as a small
    object holding no sample, with the versions of threshold-estimator and
    scikit-learn it was made with: loading it with others warns
    (:class:`~threshold_estimator.exceptions.VersionMismatchWarning`).

    Attributes
    ----------
    threshold : float or ndarray of shape (n_classes,)
        Two classes: scores at or above it are predicted ``pos_label``, in
        the units of the scores (a probability, a logit with
        ``score_type="logit"``, or a calibrated probability with
        ``calibration``). More classes: the thresholds ``t`` of
        ``argmax_k p_k / t_k``, positive, summing to 1. Also
        ``decision_threshold_``.
    decision_rule_ : {"tuned", "argmax", "prior"}
        How ``threshold`` came about; for more classes, plain argmax or the
        prior rule when tuning did not validate better.
    score : float
        The objective at ``threshold`` on the given samples.
    interval : tuple of float, ndarray of shape (n_classes, 2), or None
        The bootstrap percentile interval of the threshold (per class for
        more classes) at ``confidence_level``; ``None`` with
        ``n_resamples=0``.
    confidence_level : float
        The level of ``interval``.
    curve : Bunch or None
        Two classes: ``thresholds`` (decreasing) and ``scores``, the
        objective at each: at most 1000 points evenly spread in rank,
        including ``threshold``.
    classes : ndarray of shape (n_classes,)
        The labels, sorted. Also ``classes_``.
    pos_label : object or None
        The class predicted where the score reaches ``threshold`` (two
        classes). Also ``pos_label_``.
    score_type : {"probability", "logit"}
        What the scores are.
    calibration_ : dict or None
        The calibration map learned on the given pairs, with
        ``calibration``.
    objective : Objective or ScorerObjective
        The objective maximised. Also ``objective_``.
    training_prior_ : ndarray of shape (n_classes,)
        The (weighted) class shares of the given labels.
    class_prior_ : ndarray of shape (n_classes,)
        The class balance the rule is tuned for.
    held_out_summary_ : dict
        The bounded summary of the given scores, as the estimator's.
    n_samples : int
        The number of samples tuned on.
    band : tuple of float or None
        With ``abstention``: the ``(low, high)`` thresholds between which
        :meth:`predict_with_abstention` abstains.
    coverage : float or None
        With ``abstention``: the share of the given samples the band
        predicts a class for.

    See Also
    --------
    tune_threshold : Makes it.
    ThresholdedClassifier : Tunes inside cross-validation of an estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator import tune_threshold
    >>> y = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    >>> scores = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.8, 0.9])
    >>> tuned = tune_threshold(y, scores, scoring="f1", n_resamples=0)
    >>> print(f"{tuned.threshold:.3f}")
    0.325
    >>> tuned.predict(np.array([0.2, 0.5]))
    array([0, 1])
    """

    # What a re-derived copy drops: it describes the given samples' balance.
    _fold_attributes = ("score", "interval", "curve")

    # The names of 0.1.0, where a TunedThreshold held its state by them.
    _OLD_NAMES = {
        "threshold": "decision_threshold_",
        "classes": "classes_",
        "pos_label": "pos_label_",
        "objective": "objective_",
        "band": "abstention_band_",
        "coverage": "abstention_coverage_",
    }

    def __init__(self, **state):
        self.__dict__.update(state)

    threshold = property(lambda self: self.decision_threshold_)
    classes = property(lambda self: self.classes_)
    pos_label = property(lambda self: self.pos_label_)
    objective = property(lambda self: self.objective_)
    band = property(lambda self: getattr(self, "abstention_band_", None))
    coverage = property(lambda self: getattr(self, "abstention_coverage_", None))

    def predict(self, y_score):
        """The class the rule chooses for each row of scores.

        Parameters
        ----------
        y_score : array-like of shape (n_samples,), (n_samples, 1) or \
                (n_samples, n_classes)
            Scores of the same kind as those tuned on.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self._rule_scores(y_score)
        if self.classes_.size > 2:
            log_rule = np.log(np.clip(scores, 1e-300, None)) - np.log(
                self.decision_threshold_
            )
            return self.classes_[np.argmax(log_rule, axis=1)]
        positive = scores >= self.decision_threshold_
        pos_index = int(np.flatnonzero(self.classes_ == self.pos_label_)[0])
        return self.classes_[np.where(positive, pos_index, 1 - pos_index)]

    def predict_proba(self, y_score):
        """Class probabilities of the scores: calibrated with ``calibration``.

        Without ``calibration``, probabilities are returned as given (two
        columns for a single score), logits through the sigmoid or softmax.
        The threshold does not move them.

        Parameters
        ----------
        y_score : array-like of shape (n_samples,), (n_samples, 1) or \
                (n_samples, n_classes)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes``.
        """
        scores = self._rule_scores(y_score)
        if scores.ndim == 1 and (
            self.calibration_ is not None or self.score_type == "probability"
        ):
            proba = scores
        elif scores.ndim == 1:
            proba = expit(scores)
        else:
            return scores
        pos = self.classes_ == self.pos_label_
        return np.where(pos, proba[:, None], 1 - proba[:, None])

    def _check_rule_fitted(self):
        pass

    def _raw_scores(self, y_score):
        """The scores as given, checked; more classes: as probabilities."""
        if self.classes_.size == 2:
            return _check_scores(
                _pos_column(y_score, self.classes_, self.pos_label_),
                self.score_type,
                "y_score",
            )
        return _check_class_scores(y_score, self.classes_.size, self.score_type)

    @property
    def _raw_score_type(self):
        return "probability" if self.classes_.size > 2 else self.score_type

    def __getstate__(self):
        return with_versions(self.__dict__)

    def __setstate__(self, state):
        state = dict(check_versions(state, type(self).__name__))
        for old, new in self._OLD_NAMES.items():
            if old in state:
                state[new] = state.pop(old)
        if state.get("abstention_band_", ()) is None:
            state.pop("abstention_band_")
            state.pop("abstention_coverage_", None)
        state.setdefault("decision_rule_", "tuned")
        state.setdefault("calibration_", None)
        self.__dict__.update(state)

    def __repr__(self):
        shown = _diagnostics.shown_threshold(self.decision_threshold_)
        # A copy re-derived for another balance has no score nor interval.
        score = getattr(self, "score", None)
        if score is None:
            shares = " ".join(f"{share:.3g}" for share in self.class_prior_)
            return f"TunedThreshold(threshold={shown}, class_prior=[{shares}])"
        name = getattr(self.objective_, "name", "score")
        interval = ""
        if getattr(self, "interval", None) is not None and self.classes_.size == 2:
            interval = ", interval=({}, {})".format(
                *(_diagnostics.shown_threshold(t) for t in self.interval)
            )
        return f"TunedThreshold(threshold={shown}, {name}={score:.4g}{interval})"


@validate_params(
    {
        "y_true": ["array-like"],
        "y_score": ["array-like"],
        "scoring": [str, Objective, callable],
        "sample_weight": ["array-like", None],
        "pos_label": [Real, str, "boolean", None],
        "score_type": [StrOptions({"probability", "logit"})],
        "class_prior": [Interval(Real, 0, 1, closed="neither"), "array-like", None],
        "calibration": [StrOptions({"sigmoid", "isotonic", "temperature"}), None],
        "n_resamples": [Interval(Integral, 0, None, closed="left")],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "abstention": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
def tune_threshold(
    y_true,
    y_score,
    *,
    scoring="balanced_accuracy",
    sample_weight=None,
    pos_label=None,
    score_type="probability",
    class_prior=None,
    calibration=None,
    n_resamples=200,
    confidence_level=0.9,
    random_state=None,
    abstention=None,
    **objective_params,
):
    """Tune a decision rule on labels and scores, such as a network's.

    Two classes: the exact best threshold of ``scoring`` over every distinct
    score. More: the thresholds ``t`` of ``argmax_k p_k / t_k`` on softmax
    outputs, by the estimator's coordinate ascent and rule selection. The
    same objectives, tie rules, errors and methods as
    :class:`ThresholdedClassifier`, for scores that some other model made
    (a Keras or PyTorch network's validation outputs, say). Tune on data the
    model was not trained on.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        The labels: two classes or more.

    y_score : array-like of shape (n_samples,), (n_samples, 1) or \
            (n_samples, n_classes)
        Two classes: scores of ``pos_label``, larger meaning more likely;
        two columns are the classes' probabilities in sorted order (a
        softmax's), of which ``pos_label``'s column is used. More classes:
        one column per class in sorted order, softmax probabilities (rows
        summing to 1) or, with ``score_type="logit"``, logits.

    scoring : str, Objective or callable, default="balanced_accuracy"
        What the threshold maximises, as in :class:`ThresholdedClassifier`.

    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the samples.

    pos_label : int, float, bool or str, default=None
        The class predicted where the score reaches the threshold. ``None``
        means the larger label; it must be given for labels other than
        ``{0, 1}``, ``{-1, 1}`` or ``{False, True}`` when the objective is not
        symmetric in the classes.

    score_type : {"probability", "logit"}, default="probability"
        What the scores are: probabilities in [0, 1] (a sigmoid's or
        softmax's output) or unbounded scores such as logits (the output
        before the sigmoid or softmax). Logits keep apart the samples a
        float32 sigmoid rounds to exactly 0 or 1.

    class_prior : float or array-like of shape (n_classes,), default=None
        The class balance the rule will meet, when it differs from
        ``y_true``'s: shares in the order of the sorted classes, or, for two
        classes, ``pos_label``'s share. The samples are reweighted by class
        as if they had that balance, as :class:`ThresholdedClassifier` does.

    calibration : {"sigmoid", "isotonic", "temperature"}, default=None
        Calibrate the scores on the given pairs and tune the rule on the
        calibrated scale, as :class:`ThresholdedClassifier`'s
        ``calibration`` (``"temperature"`` for more classes). The pairs then
        serve both, so the reported ``score`` is optimistic.

    n_resamples : int, default=200
        Bootstrap resamples for ``interval``: the samples of each class are
        drawn with replacement and the threshold tuned again on each
        resample (as cutpointr does). ``0`` skips the interval. With more
        classes each resample runs the coordinate ascent: slower.

    confidence_level : float, default=0.9
        The level of the percentile interval.

    random_state : int, RandomState instance or None, default=None
        Seeds the resamples.

    abstention : dict, default=None
        Two classes: also tune a band of "not sure", as ``ThresholdedClassifier``'s
        ``abstention``: ``{"precision": p}``, the widest band at which the
        predictions of both classes reach precision ``p``, or ``{"rate":
        r}``, the band abstaining on at most that share with the fewest
        errors. See ``band`` and ``predict_with_abstention``.

    **objective_params : dict
        The per-sample arrays an objective reads, such as the amounts of
        ``objectives.cost(fn="amount")``.

    Returns
    -------
    tuned : TunedThreshold
        The rule, its objective value, the curve, the interval; its
        ``predict(y_score)`` applies it to new scores, and its
        ``estimate_class_prior``, ``with_class_prior`` and ``check_drift``
        follow new data's class balance.

    See Also
    --------
    ThresholdedClassifier : Tunes inside cross-validation of an estimator.

    Examples
    --------
    A network's sigmoid outputs on a validation set, saved as arrays:

    >>> import numpy as np
    >>> from threshold_estimator import tune_threshold
    >>> rng = np.random.default_rng(0)
    >>> y_val = rng.random(2000) < 0.1
    >>> p_val = 1 / (1 + np.exp(-(2.5 * y_val + rng.normal(size=2000) - 3)))
    >>> tuned = tune_threshold(y_val, p_val.reshape(-1, 1), scoring="f1",
    ...                        random_state=0)
    >>> print(f"{tuned.threshold:.3f}", [f"{t:.3f}" for t in tuned.interval])
    0.224 ['0.214', '0.316']
    >>> tuned.predict([0.1, 0.5])
    array([False,  True])

    A softmax of three classes:

    >>> codes = rng.choice(3, size=3000, p=[0.7, 0.2, 0.1])
    >>> logits = rng.normal(size=(3000, 3)) + 2 * np.eye(3)[codes]
    >>> tuned = tune_threshold(codes, logits, scoring="f1_macro",
    ...                        score_type="logit", n_resamples=0, random_state=0)
    >>> print(tuned.decision_rule_, [f"{t:.2f}" for t in tuned.threshold])
    tuned ['0.20', '0.36', '0.44']
    """
    given = _check_input(
        y_true,
        y_score,
        scoring,
        sample_weight,
        pos_label,
        score_type,
        class_prior,
        objective_params,
    )
    target = given.target
    check_abstention(abstention, target, "auto")
    rng = check_random_state(random_state)
    raw_type = score_type if target.is_binary else "probability"
    state = _calibrate(calibration, target, given.scores, given.sample_weight, raw_type)
    scores = (
        given.scores
        if state["calibration_"] is None
        else calibrate(state["calibration_"], given.scores, raw_type)
    )
    bind = Binder(given.objective, target.truth, given.weight, given.params)
    if target.is_binary:
        state.update(_tune_binary(bind, scores, scoring, score_type, state))
        interval = (
            _bootstrap(bind, scores, scoring, n_resamples, rng, confidence_level)
            if n_resamples
            else None
        )
    else:
        seed = rng.randint(np.iinfo(np.int32).max)
        state.update(_tune_classes(bind, scores, given.training_prior, seed))
        interval = (
            _bootstrap_classes(
                bind, scores, given.training_prior, n_resamples, rng, confidence_level
            )
            if n_resamples
            else None
        )
    if abstention is not None:
        *band, state["abstention_coverage_"] = tune_band(
            target.truth, scores, given.weight, state["decision_threshold_"], abstention
        )
        state["abstention_band_"] = tuple(band)
    summary = summarize(scores, target.codes, target.classes.size, given.sample_weight)
    return TunedThreshold(
        classes_=target.classes,
        pos_label_=target.pos_label,
        objective_=given.objective,
        score_type=score_type,
        calibration=calibration,
        training_prior_=given.training_prior,
        class_prior=class_prior,
        class_prior_=given.prior,
        held_out_summary_=summary._asdict(),
        abstention=abstention,
        random_state=random_state,
        interval=interval,
        confidence_level=confidence_level,
        n_samples=int(target.y.size),
        **state,
    )


def _calibrate(method, target, scores, sample_weight, score_type):
    """The maps of ``calibration`` and of the class-balance methods."""
    if method == "temperature" and target.is_binary:
        raise ValueError(
            "calibration='temperature' scales the log probabilities of more "
            "than two classes; for two, use calibration='sigmoid'."
        )
    if method is None:
        prior = "sigmoid" if target.is_binary else "temperature"
        return {
            "calibration_": None,
            "prior_calibration_": fit_calibration(
                prior, target.truth, scores, sample_weight, score_type
            ),
        }
    found = fit_calibration(method, target.truth, scores, sample_weight, score_type)
    return {"calibration_": found}


def _tune_binary(bind, scores, scoring, score_type, state):
    """The exact threshold, its value, the curve, and the warnings."""
    objective, truth, weight = bind(np.arange(scores.size))
    thresholds, values, best = search_fold(
        objective,
        truth,
        scores,
        weight,
        "the given samples",
        scoring,
        "Loosen the bound, or choose another objective.",
    )
    threshold = float(thresholds[best])
    shown_type = "probability" if state["calibration_"] is not None else score_type
    for category, message in _score_warnings(objective, scores, threshold, shown_type):
        warn_at_caller(message, category)
    keep = thinned(thresholds.size, best, _MAX_CURVE_POINTS)
    return {
        "decision_threshold_": threshold,
        "decision_rule_": "tuned",
        "score": float(values[best]),
        "curve": Bunch(thresholds=thresholds[keep], scores=values[keep]),
    }


def _tune_classes(bind, proba, training_prior, seed):
    """The multiclass rule kept by the estimator's selection, and its value."""
    objective, codes, weight = bind(np.arange(proba.shape[0]))
    log_proba = log_probabilities(proba)
    rule, thresholds = choose_rule(
        objective, codes, log_proba, training_prior, weight, seed=seed
    )
    value = rule_value(objective, codes, log_proba, np.log(thresholds), weight)
    return {
        "decision_threshold_": thresholds,
        "decision_rule_": rule,
        "score": float(value),
        "curve": None,
    }


def _check_scores(y_score, score_type, name):
    """Scores as a finite float64 vector; probabilities within [0, 1]."""
    scores = np.asarray(y_score)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim != 1:
        raise ValueError(
            f"{name} has shape {scores.shape}; give one score per sample, shape "
            "(n_samples,) or (n_samples, 1)."
        )
    scores = _finite_numbers(scores, name, "a threshold needs a finite score")
    if score_type == "probability" and ((scores < 0) | (scores > 1)).any():
        raise ValueError(
            f"{name} holds values outside [0, 1] (from {scores.min():.4g} to "
            f"{scores.max():.4g}), so they are not probabilities. For logits or "
            "other unbounded scores pass score_type='logit'."
        )
    return scores


def _finite_numbers(scores, name, why):
    """``scores`` as float64, refused unless numbers and finite."""
    try:
        scores = scores.astype(np.float64)
    except (TypeError, ValueError):
        message = f"{name} must hold numbers; got dtype {scores.dtype}."
        raise ValueError(message) from None
    if not np.isfinite(scores).all():
        raise ValueError(
            f"{name} holds {np.count_nonzero(~np.isfinite(scores))} NaN or infinite "
            f"values; {why} of every sample."
        )
    return scores


def _pos_column(y_score, classes, pos_label):
    """pos_label's scores: one column, or its column of a softmax's two."""
    scores = np.asarray(y_score)
    if scores.ndim == 2 and scores.shape[1] == 2:
        # A softmax's two columns: rows of probabilities, or the other
        # column would be dropped unread.
        numbers = _finite_numbers(scores, "y_score", "the rule needs a score")
        if not np.allclose(numbers.sum(axis=1), 1, atol=1e-3):
            raise ValueError(
                "y_score has two columns whose rows do not sum to 1, so they are "
                "not a softmax's probabilities. Give one column: the score of "
                "pos_label (for two logits, their difference)."
            )
        return numbers[:, int(np.flatnonzero(classes == pos_label)[0])]
    if scores.ndim == 2 and scores.shape[1] > 2:
        raise ValueError(
            f"y_score has {scores.shape[1]} columns but the rule has two classes; "
            "give the score of pos_label, shape (n_samples,)."
        )
    return scores


def _check_class_scores(y_score, n_classes, score_type):
    """More classes: one column per class, as probabilities."""
    scores = np.asarray(y_score)
    if scores.ndim != 2 or scores.shape[1] != n_classes:
        raise ValueError(
            f"y_score has shape {scores.shape}, but there are {n_classes} classes: "
            f"give one column per class in sorted order, shape (n_samples, "
            f"{n_classes}), a softmax's probabilities or, with "
            "score_type='logit', its logits."
        )
    scores = _finite_numbers(
        scores, "y_score", "the rule needs a finite score for every class"
    )
    if score_type == "logit":
        return softmax(scores, axis=1)
    sums = scores.sum(axis=1)
    if ((scores < 0) | (scores > 1)).any() or not np.allclose(sums, 1, atol=1e-3):
        raise ValueError(
            "y_score's rows are not probabilities (each in [0, 1], summing to 1; "
            f"row sums from {sums.min():.4g} to {sums.max():.4g}). For logits "
            "pass score_type='logit'."
        )
    return scores / sums[:, None]


def _check_input(
    y_true,
    y_score,
    scoring,
    sample_weight,
    pos_label,
    score_type,
    class_prior,
    objective_params,
):
    """Everything tune_threshold reads, checked once: a Bunch."""
    y_true = column_or_1d(y_true, warn=False)
    target = check_target(y_true, pos_label)
    if target.is_binary:
        scores = _check_scores(
            _pos_column(y_score, target.classes, target.pos_label),
            score_type,
            "y_score",
        )
    else:
        scores = _check_class_scores(y_score, target.classes.size, score_type)
    if scores.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but y_score has "
            f"{scores.shape[0]}; give one score per label."
        )
    if (np.ptp(scores, axis=0) == 0).all():
        raise ValueError(
            f"y_score is constant ({scores[0].tolist()!r}), so no rule separates "
            "the samples. Check that the scores come from a trained model."
        )
    if sample_weight is not None:
        sample_weight = check_weights(sample_weight, y_true)
        totals = np.bincount(
            target.codes, weights=sample_weight, minlength=target.classes.size
        )
        for label, total in zip(target.classes.tolist(), totals, strict=True):
            if total == 0:
                raise ValueError(
                    f"sample_weight is zero for every sample of class {label!r}: "
                    "the objective cannot weigh a class that counts for nothing. "
                    "Give some of its samples a weight, or leave it out of y_true."
                )
    objective = resolve_scoring(scoring, target.classes, target.pos_label)
    check_pos_label(objective, scoring, target, pos_label)
    training_prior = class_shares(target, sample_weight)
    prior = check_class_prior(
        class_prior, target.classes, training_prior, target.pos_label
    )
    # Reweighted by class so that the samples have the balance prior.
    weight = sample_weight
    if class_prior is not None:
        ratio = (prior / training_prior)[target.codes]
        weight = ratio if sample_weight is None else sample_weight * ratio
    if hasattr(objective, "score_labels"):
        params = {} if weight is None else {"sample_weight": weight}
    else:
        params = pop_objective_params(objective, objective_params, y_true.size)
    if objective_params:
        raise TypeError(
            f"tune_threshold got unexpected arguments {sorted(objective_params)}; "
            f"scoring={scoring!r} reads none of them."
        )
    return Bunch(
        target=target,
        scores=scores,
        sample_weight=sample_weight,
        weight=weight,
        objective=objective,
        params=params,
        training_prior=training_prior,
        prior=prior,
    )


def _score_warnings(objective, scores, threshold, score_type):
    """The fragility warnings that apply to one set of scores."""
    advice = (
        "Pass the scores before the sigmoid (the logits) with "
        "score_type='logit': they keep apart what the sigmoid rounds to 0 or 1."
    )
    found = _diagnostics.saturated_scores(
        [scores],
        score_type == "probability",
        advice,
        [threshold],
        names=["The scores in y_score"],
    )
    positive = scores >= threshold
    predicted = np.array([positive.size - positive.sum(), positive.sum()])
    side = "above" if threshold > scores.max() else "below"
    found += _diagnostics.one_class_predicted(
        predicted, objective, f"{threshold:.4g} lies {side}"
    )
    return found


def _bootstrap(bind, scores, scoring, n_resamples, rng, confidence_level):
    """The percentile interval of the best threshold over stratified
    bootstrap resamples."""
    members = [np.flatnonzero(bind.truth == value) for value in (False, True)]
    found = np.empty(n_resamples)
    for i in range(n_resamples):
        drawn = np.concatenate([m[rng.randint(0, m.size, m.size)] for m in members])
        objective, truth, weight = bind(drawn)
        thresholds, _, best = search_fold(
            objective,
            truth,
            scores[drawn],
            weight,
            f"bootstrap resample {i}",
            scoring,
            "Loosen the bound, or pass n_resamples=0 to skip the interval.",
        )
        found[i] = thresholds[best]
    return tuple(float(t) for t in _percentiles(found, confidence_level))


def _bootstrap_classes(bind, proba, prior, n_resamples, rng, confidence_level):
    """Each class's percentile interval of the tuned thresholds over
    stratified bootstrap resamples, shape (n_classes, 2)."""
    members = [np.flatnonzero(bind.truth == k) for k in range(proba.shape[1])]
    log_proba = log_probabilities(proba)
    found = np.empty((n_resamples, proba.shape[1]))
    for i in range(n_resamples):
        drawn = np.concatenate([m[rng.randint(0, m.size, m.size)] for m in members])
        objective, codes, weight = bind(drawn)
        found[i], _ = tune_rule(objective, codes, log_proba[drawn], prior, weight)
    return _percentiles(found, confidence_level).T


def _percentiles(found, confidence_level):
    tail = (1 - confidence_level) / 2 * 100
    return np.percentile(found, [tail, 100 - tail], axis=0)

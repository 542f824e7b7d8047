"""Scores in, decisions out: tune a threshold from labels and scores alone."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import column_or_1d

from threshold_estimator import _diagnostics
from threshold_estimator._abstention import (
    check_abstention,
    label_with_abstentions,
    tune_band,
)
from threshold_estimator._checks import (
    check_target,
    check_weights,
    pop_objective_params,
)
from threshold_estimator._scoring import check_pos_label, resolve_scoring
from threshold_estimator._search import thinned
from threshold_estimator._tuning import Binder, search_fold
from threshold_estimator._versions import check_versions, with_versions
from threshold_estimator.exceptions import SaturatedScoresWarning
from threshold_estimator.objectives import Objective

# Points of the objective curve kept in the result.
_MAX_CURVE_POINTS = 1000


class TunedThreshold:
    """A threshold tuned on labels and scores, and the classifier applying it.

    Made by :func:`tune_threshold`. It predicts from scores alone, such as a
    network's outputs, with no model attached; it pickles (and saves with
    :mod:`threshold_estimator.persistence`) as a small object holding no
    sample, with the versions of threshold-estimator and scikit-learn it was
    made with: loading it with others warns
    (:class:`~threshold_estimator.exceptions.VersionMismatchWarning`).

    Attributes
    ----------
    threshold : float
        Scores at or above it are predicted ``pos_label``; in the units of
        the scores (a probability, or a logit with ``score_type="logit"``).
    score : float
        The objective at ``threshold`` on the given samples.
    interval : tuple of float or None
        The bootstrap percentile interval of the threshold at
        ``confidence_level``; ``None`` with ``n_resamples=0``.
    confidence_level : float
        The level of ``interval``.
    curve : Bunch
        ``thresholds`` (decreasing) and ``scores``, the objective at each: at
        most 1000 points evenly spread in rank, including ``threshold``.
    classes : ndarray of shape (2,)
        The two labels, sorted.
    pos_label : object
        The class predicted where the score reaches ``threshold``.
    score_type : {"probability", "logit"}
        What the scores are.
    objective : Objective or ScorerObjective
        The objective maximised.
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

    def __init__(
        self,
        *,
        threshold,
        score,
        interval,
        confidence_level,
        curve,
        classes,
        pos_label,
        score_type,
        objective,
        n_samples,
        band=None,
        coverage=None,
    ):
        self.threshold = threshold
        self.score = score
        self.interval = interval
        self.confidence_level = confidence_level
        self.curve = curve
        self.classes = classes
        self.pos_label = pos_label
        self.score_type = score_type
        self.objective = objective
        self.n_samples = n_samples
        self.band = band
        self.coverage = coverage

    def predict(self, y_score):
        """``pos_label`` where the score reaches ``threshold``, else the other.

        Parameters
        ----------
        y_score : array-like of shape (n_samples,) or (n_samples, 1)
            Scores of the same kind as those tuned on.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        positive = _check_scores(y_score, self.score_type, "y_score") >= self.threshold
        pos_index = int(np.flatnonzero(self.classes == self.pos_label)[0])
        return self.classes[np.where(positive, pos_index, 1 - pos_index)]

    def predict_with_abstention(self, y_score, *, marker="abstain"):
        """Classes where the score is clear, ``marker`` inside ``band``.

        Parameters
        ----------
        y_score : array-like of shape (n_samples,) or (n_samples, 1)
        marker : object, default="abstain"
            What marks an abstention; not a class.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        coverage : float
            The share of samples given a class.
        """
        if self.band is None:
            raise ValueError(
                "predict_with_abstention needs a band: tune with "
                "abstention={'precision': 0.95} or {'rate': 0.1}, say."
            )
        scores = _check_scores(y_score, self.score_type, "y_score")
        return label_with_abstentions(
            scores, self.band, self.classes, self.pos_label, marker
        )

    def __getstate__(self):
        return with_versions(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(check_versions(state, type(self).__name__))

    def __repr__(self):
        name = getattr(self.objective, "name", "score")
        interval = (
            ""
            if self.interval is None
            else ", interval=({}, {})".format(
                *(_diagnostics.shown_threshold(t) for t in self.interval)
            )
        )
        return (
            f"TunedThreshold(threshold={_diagnostics.shown_threshold(self.threshold)}"
            f", {name}={self.score:.4g}{interval})"
        )


@validate_params(
    {
        "y_true": ["array-like"],
        "y_score": ["array-like"],
        "scoring": [str, Objective, callable],
        "sample_weight": ["array-like", None],
        "pos_label": [Real, str, "boolean", None],
        "score_type": [StrOptions({"probability", "logit"})],
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
    n_resamples=200,
    confidence_level=0.9,
    random_state=None,
    abstention=None,
    **objective_params,
):
    """Tune a binary threshold on labels and scores, such as a network's.

    The exact best threshold of ``scoring`` over every distinct score, with
    the same objectives, tie rules and errors as
    :class:`ThresholdedClassifier`, for scores that some other model made
    (a Keras or PyTorch network's validation outputs, say). Tune on data the
    model was not trained on.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        The labels: two classes.

    y_score : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, 2)
        Scores of ``pos_label``: larger means more likely. Two columns are
        probabilities of the classes in sorted order (a softmax's), of which
        ``pos_label``'s column is used.

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
        What the scores are: probabilities in [0, 1] (a sigmoid's output) or
        unbounded scores such as logits (the output before the sigmoid).
        Logits keep apart the samples a float32 sigmoid rounds to exactly 0
        or 1.

    n_resamples : int, default=200
        Bootstrap resamples for ``interval``: the samples of each class are
        drawn with replacement and the threshold tuned again on each
        resample (as cutpointr does). ``0`` skips the interval.

    confidence_level : float, default=0.9
        The level of the percentile interval.

    random_state : int, RandomState instance or None, default=None
        Seeds the resamples.

    abstention : dict, default=None
        Also tune a band of "not sure", as ``ThresholdedClassifier``'s
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
        The threshold, its objective value, the curve, the interval; its
        ``predict(y_score)`` applies the threshold to new scores.

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
    """
    target, scores, sample_weight, objective, params = _check_input(
        y_true, y_score, scoring, sample_weight, pos_label, score_type, objective_params
    )
    check_abstention(abstention, target, "auto")
    bind = Binder(objective, target.truth, sample_weight, params)
    everything = np.arange(scores.size)
    bound, truth, weight = bind(everything)
    thresholds, values, best = search_fold(
        bound,
        truth,
        scores,
        weight,
        "the given samples",
        scoring,
        "Loosen the bound, or choose another objective.",
    )
    threshold = float(thresholds[best])
    fragile = _score_warnings(bound, scores, threshold, score_type)
    for category, message in fragile:
        warnings.warn(message, category, stacklevel=2)
    interval = None
    if n_resamples:
        resampled = _bootstrap(
            bind, scores, scoring, n_resamples, check_random_state(random_state)
        )
        tail = (1 - confidence_level) / 2 * 100
        low, high = np.percentile(resampled, [tail, 100 - tail])
        interval = (float(low), float(high))
    band, coverage = None, None
    if abstention is not None:
        *band, coverage = tune_band(
            target.truth, scores, sample_weight, threshold, abstention
        )
        band = tuple(band)
    keep = thinned(thresholds.size, best, _MAX_CURVE_POINTS)
    return TunedThreshold(
        threshold=threshold,
        score=float(values[best]),
        interval=interval,
        confidence_level=confidence_level,
        curve=Bunch(thresholds=thresholds[keep], scores=values[keep]),
        classes=target.classes,
        pos_label=target.pos_label,
        score_type=score_type,
        objective=objective,
        n_samples=int(scores.size),
        band=band,
        coverage=coverage,
    )


def _check_input(
    y_true, y_score, scoring, sample_weight, pos_label, score_type, objective_params
):
    """The target, scores, weights, objective and its arrays, checked."""
    y_true = column_or_1d(y_true, warn=False)
    target = check_target(y_true, pos_label)
    if not target.is_binary:
        raise ValueError(
            f"y_true has {target.classes.size} classes; tune_threshold tunes the "
            "threshold of two. For more classes, use ThresholdedClassifier."
        )
    scores = _select_scores(y_score, target, score_type)
    if scores.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but y_score has "
            f"{scores.shape[0]}; give one score per label."
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
    if hasattr(objective, "score_labels"):
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
    else:
        params = pop_objective_params(objective, objective_params, y_true.size)
    if objective_params:
        raise TypeError(
            f"tune_threshold got unexpected arguments {sorted(objective_params)}; "
            f"scoring={scoring!r} reads none of them."
        )
    return target, scores, sample_weight, objective, params


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
    try:
        scores = scores.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must hold numbers; got dtype {scores.dtype}."
        ) from None
    if not np.isfinite(scores).all():
        raise ValueError(
            f"{name} holds {np.count_nonzero(~np.isfinite(scores))} NaN or infinite "
            "values; a threshold needs a finite score for every sample."
        )
    if score_type == "probability" and ((scores < 0) | (scores > 1)).any():
        raise ValueError(
            f"{name} holds values outside [0, 1] (from {scores.min():.4g} to "
            f"{scores.max():.4g}), so they are not probabilities. For logits or "
            "other unbounded scores pass score_type='logit'."
        )
    return scores


def _select_scores(y_score, target, score_type):
    """The score of ``pos_label``: one column, or its column of two."""
    scores = np.asarray(y_score)
    if scores.ndim == 2 and scores.shape[1] == 2:
        pos = int(np.flatnonzero(target.classes == target.pos_label)[0])
        scores = scores[:, pos]
    elif scores.ndim == 2 and scores.shape[1] > 2:
        raise ValueError(
            f"y_score has {scores.shape[1]} columns but y_true two classes; give "
            "the score of pos_label, shape (n_samples,)."
        )
    scores = _check_scores(scores, score_type, "y_score")
    if np.ptp(scores) == 0:
        raise ValueError(
            f"y_score is constant ({scores[0]!r}), so no threshold separates the "
            "samples. Check that the scores come from a trained model."
        )
    return scores


def _score_warnings(objective, scores, threshold, score_type):
    """The fragility warnings that apply to one set of scores."""
    found = []
    reason = _diagnostics.saturation(scores, score_type == "probability", threshold)
    if reason:
        advice = (
            "Pass the scores before the sigmoid (the logits) with "
            "score_type='logit': they keep apart what the sigmoid rounds to 0 or 1."
            if score_type == "probability"
            else "Tied scores fall on the same side of any threshold."
        )
        found.append(
            (
                SaturatedScoresWarning,
                f"y_score is saturated: {reason}, so moving the threshold "
                f"changes few predictions. {advice}",
            )
        )
    positive = scores >= threshold
    predicted = np.array([positive.size - positive.sum(), positive.sum()])
    side = "above" if threshold > scores.max() else "below"
    found += _diagnostics.one_class_predicted(
        predicted, objective, f"{threshold:.4g} lies {side}"
    )
    return found


def _bootstrap(bind, scores, scoring, n_resamples, rng):
    """The best threshold of each stratified bootstrap resample."""
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
    return found

"""Turn the ``scoring`` parameter into an objective the search can use.

A name or an :class:`~threshold_estimator.objectives.Objective` becomes a
count objective (fast, exact). Any other scikit-learn scorer becomes a label
objective: the scorer is called on predicted labels, one candidate threshold
at a time. Scorers that never look at predicted labels are refused.
"""

import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import get_scorer

from threshold_estimator.objectives import (
    Objective,
    _is_objective_name,
    get_objective,
    objective_names,
)

_THRESHOLD_FREE = (
    "{name} scores the estimator's {method}, not its predicted labels, so it "
    "has the same value at every decision threshold and cannot choose one. Use "
    "a metric of predicted labels: one of {names}, an Objective, or "
    "make_scorer(...) of a label metric such as f1_score."
)


# The methods that give scores instead of labels.
_SCORE_METHODS = ("predict_proba", "predict_log_proba", "decision_function")


class _GivenLabels(ClassifierMixin, BaseEstimator):
    """A stand-in classifier whose ``predict`` returns labels it was given.

    A scikit-learn scorer asks an estimator for predictions; this one hands
    it the thresholded labels, so any scorer works without private API.
    """

    def __init__(self, classes, labels):
        self.classes = classes
        self.labels = labels

    @property
    def classes_(self):
        return self.classes

    def predict(self, X):
        return self.labels

    def __getattr__(self, name):
        # Reached only for what the class lacks. A scorer that asks for scores
        # is noted, so that its failure is told apart from a bug in it.
        if name in _SCORE_METHODS:
            self.__dict__.setdefault("asked_for_", []).append(name)
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )


class ScorerObjective:
    """A scikit-learn scorer evaluated on the labels a decision rule predicts.

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y, **params)``, which must call only
        ``estimator.predict``.
    classes : ndarray of shape (n_classes,)
        The labels, sorted.
    labels : ndarray
        What the search's truths and predictions index: for two classes the
        negative then the positive label (they are booleans), for more the
        classes (they are class indices).
    params : dict, default=None
        Passed to every call of the scorer (for example the fold's
        ``sample_weight``).
    """

    # Routed metadata reaches the scorer through bind, not by name.
    metadata = ()
    # A scorer's value is better larger: scikit-learn negates losses (neg_*).
    greater_is_better = True

    def __init__(self, scorer, classes, labels, params=None):
        self.scorer = scorer
        self.classes = classes
        self.labels = labels
        self.params = params or {}

    def bind(self, y_true, sample_weight, params):
        """The same scorer, called with these samples' parameters."""
        bound = ScorerObjective(self.scorer, self.classes, self.labels, params)
        return bound, sample_weight

    def score_labels(self, y_true, y_pred, sample_weight=None):
        """The scorer's value for truths and predictions given as indices.

        ``sample_weight`` is ignored: what the scorer receives is ``params``,
        decided by the estimator (routing or its ``sample_weight``).
        """
        y_true = self.labels[y_true.astype(np.intp)]
        stand_in = _GivenLabels(self.classes, self.labels[y_pred.astype(np.intp)])
        n_samples = y_true.shape[0]
        try:
            return self.scorer(
                stand_in, np.zeros((n_samples, 1)), y_true, **self.params
            )
        except AttributeError as exc:
            if not stand_in.__dict__.get("asked_for_"):
                raise
            raise ValueError(
                _THRESHOLD_FREE.format(
                    name=f"The scorer {self.scorer!r}",
                    method="scores or probabilities",
                    names=objective_names(),
                )
            ) from exc
        except TypeError as exc:
            if "sample_weight" not in str(exc) or "sample_weight" not in self.params:
                raise
            raise TypeError(
                f"The scorer {self.scorer!r} does not accept sample_weight, which "
                "ThresholdedClassifier passes to it with fit's sample_weight. Use "
                "a metric that takes sample_weight, or a built-in objective."
            ) from exc

    def __repr__(self):
        return f"ScorerObjective({self.scorer!r})"


def routed_scorer(scoring):
    """The scikit-learn scorer that ``scoring`` names, or None for an objective.

    What metadata routing needs, without resolving the classes; a value fit
    refuses gives None here, and its error in fit.
    """
    if isinstance(scoring, Objective):
        return None
    if isinstance(scoring, str):
        if _is_objective_name(scoring):
            return None
        try:
            return get_scorer(scoring)
        except ValueError:
            return None
    return scoring if callable(scoring) else None


def resolve_scoring(scoring, classes, pos_label):
    """The objective for a ``scoring`` parameter value, for these classes.

    Parameters
    ----------
    scoring : str, Objective or callable
    classes : ndarray of shape (n_classes,)
        The sorted labels.
    pos_label : object or None
        The positive class of two; None for more classes.

    Returns
    -------
    objective : Objective or ScorerObjective
    """
    pos_index = (
        None if pos_label is None else int(np.flatnonzero(classes == pos_label)[0])
    )
    if isinstance(scoring, Objective):
        return scoring._for_classes(classes.size, pos_index)
    if isinstance(scoring, str):
        if _is_objective_name(scoring):
            return get_objective(scoring)._for_classes(classes.size, pos_index)
        try:
            scorer = get_scorer(scoring)
        except ValueError:
            raise ValueError(
                f"scoring={scoring!r} is neither an objective of this package "
                f"({objective_names()}) nor a scikit-learn scorer name "
                "(sklearn.metrics.get_scorer_names())."
            ) from None
    elif callable(scoring):
        if _takes_counts(scoring):
            raise TypeError(
                f"scoring={scoring!r} takes confusion counts, but a callable "
                "scoring is a scikit-learn scorer, scorer(estimator, X, y). Wrap "
                "a function of the counts in objectives.from_counts(...)."
            )
        _check_not_a_metric(scoring)
        scorer = scoring
    else:
        raise TypeError(
            f"scoring must be a name, an Objective or a scorer; got {scoring!r}."
        )
    method = getattr(scorer, "_response_method", "predict")
    if method != "predict":
        method = method if isinstance(method, str) else " or ".join(method)
        raise ValueError(
            _THRESHOLD_FREE.format(
                name=f"scoring={scoring!r}", method=method, names=objective_names()
            )
        )
    if pos_label is None:
        labels = classes
    else:
        labels = np.array([classes[1 - pos_index], pos_label], dtype=classes.dtype)
    return ScorerObjective(scorer, classes, labels)


def _parameter_names(func):
    """The names of ``func``'s parameters, or [] when it has no signature."""
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


def _takes_counts(func):
    """Whether ``func``'s parameters are the confusion counts."""
    return _parameter_names(func)[:4] == ["tn", "fp", "fn", "tp"]


def _function_name(func):
    """``f1_score`` for ``f1_score`` and for a ``functools.partial`` of it."""
    func = getattr(func, "func", func)
    return getattr(func, "__name__", type(func).__name__)


# The second parameter of metrics of scores or probabilities.
_SCORE_ARGUMENTS = ("y_score", "y_prob", "y_proba", "probas_pred")


def _check_not_a_metric(func):
    """Refuse a metric ``func(y_true, y_pred)`` given where a scorer belongs."""
    names = _parameter_names(func)
    if len(names) < 2 or not all(name.startswith("y") for name in names[:2]):
        return
    name = _function_name(func)
    if names[1] in _SCORE_ARGUMENTS:
        raise ValueError(
            _THRESHOLD_FREE.format(
                name=f"scoring={name}", method="scores", names=objective_names()
            )
        )
    built_in = name.removesuffix("_score")
    instead = (
        f", or the built-in objective scoring={built_in!r}, exact and faster"
        if _is_objective_name(built_in) and built_in != "fbeta"
        else ""
    )
    raise TypeError(
        f"scoring={name} is a metric function, {name}({', '.join(names[:2])}, "
        "...), but a callable scoring must be a scikit-learn scorer, "
        f"scorer(estimator, X, y). Wrap it: scoring=make_scorer({name}) (from "
        "sklearn.metrics), with the metric's options as keywords such as "
        f"make_scorer({name}, pos_label=...){instead}."
    )


def check_pos_label(objective, scoring, target, pos_label):
    """Refuse to guess which of two classes an objective counts as positive.

    As scikit-learn's metrics do, the positive class goes without saying only
    for the labels ``{0, 1}``, ``{-1, 1}`` and ``{False, True}``; for others,
    an objective that is not symmetric in the classes needs ``pos_label``. A
    scikit-learn scorer reads the labels themselves and takes its positive
    class from its own ``pos_label``, which must then be a class of ``y``.

    Parameters
    ----------
    objective : Objective or ScorerObjective
        What :func:`resolve_scoring` made of ``scoring``.
    scoring : str, Objective or callable
        The ``scoring`` value, as given, for the messages.
    target : Target
        The checked target.
    pos_label : object or None
        The ``pos_label`` parameter, as given.
    """
    if not target.is_binary:
        return
    labels = target.classes.tolist()
    counts = np.bincount(target.codes, minlength=2)
    # The rarer class is the likelier positive one; on a tie, classes_[1].
    rare = 1 if counts[1] <= counts[0] else 0
    if isinstance(objective, ScorerObjective):
        _check_scorer_pos_label(scoring, objective.scorer, labels, labels[rare])
        return
    # A cost matrix becomes the costs of the four cells as seen from
    # classes_[1], yet means the same whichever class is positive: the
    # symmetry is the given objective's.
    given = scoring if isinstance(scoring, Objective) else objective
    if pos_label is not None or given.symmetric or set(labels) in ({0, 1}, {-1, 1}):
        return
    raise ValueError(
        f"pos_label=None, but scoring={scoring!r} counts one class as positive "
        f"and y's classes {labels} do not say which (only {{0, 1}}, {{-1, 1}} "
        f"and {{False, True}} do). Pass pos_label={labels[rare]!r} (the class the "
        f"objective counts as positive; y has {counts[rare]} of it and "
        f"{counts[1 - rare]} of {labels[1 - rare]!r}) or pos_label="
        f"{labels[1 - rare]!r}."
    )


def _check_scorer_pos_label(scoring, scorer, labels, suggested):
    """Refuse a scorer whose metric counts a label y does not have as positive."""
    func = getattr(scorer, "_score_func", None)
    kwargs = getattr(scorer, "_kwargs", {})
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    if "pos_label" not in params:
        return
    average = kwargs.get(
        "average", params["average"].default if "average" in params else "binary"
    )
    positive = kwargs.get("pos_label", params["pos_label"].default)
    if average != "binary" or positive is None or positive in labels:
        return
    name = _function_name(func)
    raise ValueError(
        f"scoring={scoring!r} counts pos_label={positive!r} as positive, which is "
        f"not a class of y {labels}. A scorer takes its positive class from its "
        "own pos_label, not from ThresholdedClassifier's: use scoring="
        f"make_scorer({name}, pos_label={suggested!r}) with the class the metric "
        "counts as positive."
    )

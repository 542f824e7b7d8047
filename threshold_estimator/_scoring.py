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

from threshold_estimator.objectives import Objective, get_objective, objective_names

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
    """A scikit-learn scorer evaluated on thresholded labels.

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y, **params)``, which must call only
        ``estimator.predict``.
    classes : ndarray of shape (2,)
        The labels, sorted.
    pos_label : object
        The element of ``classes`` predicted where the score reaches the
        threshold.
    params : dict, default=None
        Passed to every call of the scorer (for example the fold's
        ``sample_weight``).
    """

    # Routed metadata reaches the scorer through bind, not by name.
    metadata = ()

    def __init__(self, scorer, classes, pos_label, params=None):
        self.scorer = scorer
        self.classes = classes
        self.pos_label = pos_label
        self.params = params or {}

    def bind(self, y_true, sample_weight, params):
        """The same scorer, called with these samples' parameters."""
        bound = ScorerObjective(self.scorer, self.classes, self.pos_label, params)
        return bound, sample_weight

    def score_labels(self, y_true, y_pred, sample_weight=None):
        """The scorer's value for boolean truths and predictions.

        ``sample_weight`` is ignored: what the scorer receives is ``params``,
        decided by the estimator (routing or its ``sample_weight``).
        """
        neg_label = self.classes[self.classes != self.pos_label][0]
        labels = np.array([neg_label, self.pos_label], dtype=self.classes.dtype)
        y_true = labels[y_true.astype(np.intp)]
        stand_in = _GivenLabels(self.classes, labels[y_pred.astype(np.intp)])
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


def resolve_scoring(scoring, classes, pos_label):
    """The objective for a ``scoring`` parameter value.

    Returns
    -------
    objective : Objective or ScorerObjective
    scorer : callable or None
        The scikit-learn scorer, for metadata routing; ``None`` for a count
        objective.
    """
    if isinstance(scoring, Objective):
        return scoring, None
    if isinstance(scoring, str):
        try:
            return get_objective(scoring), None
        except ValueError:
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
    return ScorerObjective(scorer, classes, pos_label), scorer


def _takes_counts(func):
    """Whether ``func``'s parameters are the confusion counts."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return False
    return names[:4] == ["tn", "fp", "fn", "tp"]

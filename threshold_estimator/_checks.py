"""Validation at the edge: targets, weights, priors, response methods.

Each ``check_*`` takes what the user passed and returns it checked (or
raises an error that names the parameter and what to do); none sets state.
Both front ends, ``ThresholdedClassifier`` and ``tune_threshold``, call
them before anything is computed.
"""

from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, column_or_1d


class Target(NamedTuple):
    """The checked target: labels, classes and what the objectives see."""

    y: np.ndarray
    classes: np.ndarray
    # Binary: the class predicted where the score reaches the threshold;
    # multiclass: None.
    pos_label: object
    # Binary: True for pos_label; multiclass: the index of each class.
    truth: np.ndarray
    # The index of each sample's class in classes.
    codes: np.ndarray

    @property
    def is_binary(self):
        return self.classes.size == 2


def check_target(y, pos_label):
    """The target as a ``Target``: labels, classes, positive class, truth."""
    y = column_or_1d(y, warn=True)
    y_type = type_of_target(y, input_name="y")
    # scikit-learn's own message for a target that is not classes.
    check_classification_targets(y)
    classes = np.unique(y)
    # Against the few classes: cheaper than unique's inverse, a sort of y.
    codes = np.searchsorted(classes, y)
    if classes.size == 0:
        raise ValueError(
            "y is empty, but a decision rule needs samples of at least two classes."
        )
    if classes.size == 1:
        raise ValueError(
            f"y has one class, {classes.tolist()[0]!r} (all {y.size} samples), but a "
            "decision rule needs samples of at least two classes. Pass a y with "
            "two classes or more; under an outer cross-validation (GridSearchCV, "
            "cross_val_score), split with a stratified splitter such as "
            "StratifiedKFold, so that every training part holds every class."
        )
    if y_type != "binary":
        if pos_label is not None:
            raise ValueError(
                f"pos_label={pos_label!r} chooses the positive one of two "
                f"classes, but y has {classes.size}: {classes.tolist()}. Leave "
                "pos_label=None."
            )
        return Target(y, classes, None, codes, codes)
    if pos_label is None:
        pos_label = classes[1]
    elif pos_label in classes.tolist():
        pos_label = classes[classes.tolist().index(pos_label)]
    else:
        raise ValueError(
            f"pos_label={pos_label!r} is not a class of y; use one of "
            f"{classes.tolist()}."
        )
    return Target(y, classes, pos_label, y == pos_label, codes)


def check_response_method(estimator, response_method, target, threshold):
    """The estimator's method the rule reads, checked against the target."""
    name = type(estimator).__name__
    needs_proba = not target.is_binary or (
        isinstance(threshold, str) and threshold == "bayes"
    )
    why = (
        "the rule argmax_k p_k / t_k of more than two classes"
        if not target.is_binary
        else "threshold='bayes'"
    )
    if needs_proba:
        if response_method == "decision_function":
            raise ValueError(
                f"{why} needs probabilities, but response_method="
                "'decision_function'. Use response_method='auto' or "
                "'predict_proba'."
            )
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{why} needs probabilities, but {name} has no predict_proba. "
                "Wrap it in sklearn.calibration.CalibratedClassifierCV to get "
                "them."
            )
        return "predict_proba"
    if response_method == "auto":
        if hasattr(estimator, "predict_proba"):
            return "predict_proba"
        return "decision_function"
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r}, but {name} has no "
            f"{response_method} method. Use response_method='auto' to take the "
            "one it has."
        )
    return response_method


def check_weights(sample_weight, X):
    """``sample_weight`` as float64, checked: finite, non-negative, not all 0."""
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if (sample_weight < 0).any():
        raise ValueError(
            "sample_weight must be non-negative; its smallest value is "
            f"{sample_weight.min()!r}."
        )
    if not sample_weight.any():
        raise ValueError(
            "sample_weight is zero everywhere; give some samples a weight."
        )
    return sample_weight


def check_class_prior(class_prior, classes, training_prior, pos_label=None):
    """``class_prior`` as shares summing to 1; the training shares if None.

    For two classes a number is ``pos_label``'s share.
    """
    if class_prior is None:
        return training_prior
    if classes.size == 2 and np.ndim(class_prior) == 0:
        share = class_prior
        if not (isinstance(share, Real) and 0 < share < 1):
            raise ValueError(
                f"class_prior={class_prior!r}: as a number it is the share of "
                "pos_label, in (0, 1), such as 0.05."
            )
        pos = 1 if pos_label is None else int(np.flatnonzero(classes == pos_label)[0])
        prior = np.full(2, 1.0 - share)
        prior[pos] = share
        return prior
    try:
        prior = np.asarray(class_prior, dtype=np.float64)
    except (TypeError, ValueError):
        prior = np.full(1, np.nan)
    if prior.shape != classes.shape or not (np.isfinite(prior) & (prior > 0)).all():
        raise ValueError(
            f"class_prior must hold {classes.size} positive shares, one per class "
            f"of {classes.tolist()} in that order; got {class_prior!r}."
        )
    return prior / prior.sum()


def class_shares(target, sample_weight):
    """The (weighted) share of each class in y, in the order of classes_."""
    counts = np.bincount(
        target.codes, weights=sample_weight, minlength=target.classes.size
    )
    return counts / counts.sum()


def weighted_by(sample_weight, class_prior):
    """What weighs the held-out samples, in words: "" if nothing."""
    return " and ".join(
        name
        for name, given in (
            ("sample_weight", sample_weight is not None),
            ("class_prior", class_prior is not None),
        )
        if given
    )


def pop_objective_params(objective, fit_params, n_samples, required=True):
    """Take the per-sample arrays the objective reads out of ``fit_params``.

    With a fixed threshold the objective is not used: its arrays are taken
    out when given (they are not the estimator's), but not required.
    """
    params = {}
    for name in objective.metadata:
        if name not in fit_params and not required:
            continue
        if name not in fit_params:
            raise ValueError(
                f"scoring={objective!r} reads the per-sample array {name!r}: pass "
                f"it as fit(X, y, {name}=...), one value per sample."
            )
        value = np.asarray(fit_params.pop(name), dtype=np.float64)
        if value.shape != (n_samples,):
            raise ValueError(
                f"{name} has shape {value.shape}; scoring={objective!r} needs one "
                f"value per sample, shape ({n_samples},)."
            )
        if not np.isfinite(value).all():
            raise ValueError(
                f"The fit argument {name} contains NaN or infinite values; "
                f"scoring={objective!r} needs a finite value for every sample."
            )
        params[name] = value
    return params


def check_fixed_threshold(threshold, target, response_method, estimator):
    """A fixed ``threshold`` checked against the target: a probability (or a
    margin) for two classes, positive shares for more; as a rule."""
    n_classes = target.classes.size
    if np.ndim(threshold) == 0:
        if n_classes > 2:
            raise ValueError(
                f"threshold={threshold!r} is the threshold of two "
                f"classes, but y has {n_classes}: give a vector of "
                f"{n_classes} positive thresholds, one per class in the "
                "order of classes_, or threshold='auto' to tune them."
            )
        if response_method == "predict_proba" and not 0 <= threshold <= 1:
            margins = (
                ", or response_method='decision_function' for a threshold of "
                "the estimator's margins"
                if hasattr(estimator, "decision_function")
                else ""
            )
            raise ValueError(
                f"threshold={threshold!r} is compared with "
                f"{type(estimator).__name__}'s predict_proba, a "
                "probability, so it would predict one class for every "
                f"sample. Give a probability in [0, 1]{margins}."
            )
        return {"threshold": float(threshold), "rule": "fixed"}
    if n_classes == 2:
        raise ValueError(
            "With two classes, threshold is the threshold of pos_label's "
            f"score, a number such as 0.3; got {threshold!r}."
        )
    try:
        vector = np.asarray(threshold, dtype=np.float64)
    except (TypeError, ValueError):
        vector = np.full(1, np.nan)
    if vector.shape != (n_classes,) or not (np.isfinite(vector) & (vector > 0)).all():
        raise ValueError(
            f"threshold must hold {n_classes} positive finite numbers, one "
            f"per class of {target.classes.tolist()}; got {threshold!r}."
        )
    return {"threshold": vector / vector.sum(), "rule": "fixed"}

"""Calibration maps learned from held-out pairs of labels and scores.

Kernels of numpy arrays, as ``_counts`` and ``_shift``: both front ends fit a
map on the held-out scores they already hold (the pooled out-of-fold scores
of the estimator, or the user's validation scores), so calibrating costs no
extra model fit. A map is a plain dict of numbers and arrays, so that model
files need no private type and a loaded map is easy to check.

- ``"sigmoid"``: Platt's two-parameter logistic map of the logit (of
  ``logit(p)`` for probabilities), scikit-learn's ``_SigmoidCalibration``.
- ``"isotonic"``: the non-decreasing step map of scikit-learn's
  ``IsotonicRegression`` of the scores as given, applied by linear
  interpolation between its points, as ``IsotonicRegression.predict`` does.
- ``"temperature"`` (more classes): one temperature and a bias per class on
  the log probabilities, ``softmax(log p / T + b)``, bias-corrected
  temperature scaling (Alexandari, Kundaje and Shrikumar, 2020).

With more classes, ``"sigmoid"`` and ``"isotonic"`` map each class's
probability one against the rest and renormalise, as
``CalibratedClassifierCV`` does.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_softmax, logit

METHODS = ("sigmoid", "isotonic", "temperature")

#: Probabilities are kept this far from 0 and 1 before a logit or a log, so
#: that saturated outputs keep finite features. A smaller bound lets the few
#: logits of -690 a model such as GaussianNB gives drive the fit of a
#: sigmoid or a temperature: measured in benchmarks/bench_calibration.py,
#: 1e-300 made their calibration error worse than the model's own.
_EPS = 1e-12


def score_features(scores, score_type):
    """The scale a binary map reads: logits, from probabilities or as given."""
    scores = np.asarray(scores, dtype=np.float64)
    if score_type == "probability":
        return logit(np.clip(scores, _EPS, 1 - _EPS))
    return scores


def fit_calibration(method, truth, scores, weight=None, score_type="probability"):
    """A calibration map fitted on held-out labels and scores.

    Parameters
    ----------
    method : {"sigmoid", "isotonic", "temperature"}
    truth : ndarray of shape (n_samples,)
        Two classes: True for the positive class. More: each sample's class
        index.
    scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Two classes: the positive class's score; more: probabilities.
    weight : ndarray of shape (n_samples,), default=None
    score_type : {"probability", "logit"}, default="probability"
        Two classes: what the scores are (a margin counts as a logit).

    Returns
    -------
    calibration : dict
        ``method`` and the map's parameters, plain numbers and arrays.
    """
    if np.ndim(scores) == 1:
        features = _features(method, scores, score_type)
        return {"method": method, **_fit_binary(method, truth, features, weight)}
    if method == "temperature":
        return {"method": method, **_fit_temperature(truth, scores, weight)}
    features = _features(method, scores, "probability")
    maps = [
        _fit_binary(method, truth == k, features[:, k], weight)
        for k in range(scores.shape[1])
    ]
    return {"method": method, "classes": maps}


def calibrate(calibration, scores, score_type="probability"):
    """The calibrated probabilities of ``scores``: the positive class's, of
    shape (n_samples,), for two classes; (n_samples, n_classes) for more."""
    method = calibration["method"]
    if np.ndim(scores) == 1:
        features = _features(method, scores, score_type)
        return _apply_binary(method, calibration, features)
    if method == "temperature":
        log_proba = np.log(np.clip(scores, _EPS, None))
        z = log_proba / calibration["temperature"] + calibration["bias"]
        return np.exp(log_softmax(z, axis=1))
    features = _features(method, scores, "probability")
    columns = np.column_stack(
        [
            _apply_binary(method, one, features[:, k])
            for k, one in enumerate(calibration["classes"])
        ]
    )
    total = columns.sum(axis=1, keepdims=True)
    # A row that every one-against-rest map sends to 0 keeps equal shares.
    return np.divide(
        columns,
        total,
        out=np.full_like(columns, 1 / columns.shape[1]),
        where=total > 0,
    )


def _features(method, scores, score_type):
    """What a map reads: the logit for a sigmoid; the scores as given for an
    isotonic map, which any increasing transform leaves as it is."""
    if method == "isotonic":
        return np.asarray(scores, dtype=np.float64)
    return score_features(scores, score_type)


def _fit_binary(method, positive, features, weight):
    """One map of a binary feature (a logit) to the positive probability."""
    positive = np.asarray(positive, dtype=bool)
    if method == "sigmoid":
        from sklearn.calibration import _SigmoidCalibration

        fitted = _SigmoidCalibration().fit(features, positive, weight)
        return {"a": float(fitted.a_), "b": float(fitted.b_)}
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        fitted = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
        fitted.fit(features, positive.astype(np.float64), weight)
        return {
            "x": np.asarray(fitted.X_thresholds_, dtype=np.float64),
            "y": np.asarray(fitted.y_thresholds_, dtype=np.float64),
        }
    raise ValueError(f"No binary calibration {method!r}.")


def _apply_binary(method, parameters, features):
    if method == "sigmoid":
        # scikit-learn's convention: p = 1 / (1 + exp(a f + b)).
        return expit(-(parameters["a"] * features + parameters["b"]))
    x, y = parameters["x"], parameters["y"]
    if x.size == 1:
        return np.full(features.shape, y[0])
    return np.interp(features, x, y)


def _fit_temperature(codes, proba, weight):
    """``T`` and ``b`` minimising the weighted log loss of
    ``softmax(log p / T + b)``, ``b`` summing to 0."""
    n_samples, n_classes = proba.shape
    log_proba = np.log(np.clip(proba, _EPS, None))
    weight = np.ones(n_samples) if weight is None else np.asarray(weight, float)
    weight = weight / weight.sum()
    onehot = np.zeros_like(log_proba)
    onehot[np.arange(n_samples), codes] = 1

    def loss(params):
        inverse, bias = np.exp(params[0]), _centred(params[1:])
        z = log_proba * inverse + bias
        log_q = log_softmax(z, axis=1)
        value = -weight @ log_q[np.arange(n_samples), codes]
        residual = (np.exp(log_q) - onehot) * weight[:, None]
        d_inverse = np.sum(residual * log_proba) * inverse
        d_bias = residual.sum(axis=0)
        return value, np.r_[d_inverse, d_bias[:-1] - d_bias[-1]]

    start = np.zeros(n_classes)
    found = minimize(loss, start, jac=True, method="L-BFGS-B")
    return {
        "temperature": float(np.exp(-found.x[0])),
        "bias": _centred(found.x[1:]),
    }


def _centred(free):
    """The bias of every class from all but the last one's (they sum to 0)."""
    return np.r_[free, -free.sum()]


def calibrate_record(method, record, target, score_type):
    """The held-out record on the calibrated scale, and the maps learned
    from it: ``calibration`` (the map of ``method``, or None) and, without
    ``method``, ``prior_calibration`` (the map the class-balance methods
    read: a logistic map of the logit, or a temperature for more classes)."""
    truth = target.truth[record.index]
    if method == "temperature" and target.is_binary:
        raise ValueError(
            "calibration='temperature' scales the log probabilities of "
            "more than two classes; for two, use calibration='sigmoid' "
            "(a temperature and a bias on the logit)."
        )
    if method is None:
        # For the class-balance methods only: the rule reads raw scores.
        prior = "sigmoid" if target.is_binary else "temperature"
        found = fit_calibration(prior, truth, record.scores, record.weight, score_type)
        return record, {"calibration": None, "prior_calibration": found}
    found = fit_calibration(method, truth, record.scores, record.weight, score_type)
    scores = calibrate(found, record.scores, score_type)
    return record._replace(scores=scores), {"calibration": found}

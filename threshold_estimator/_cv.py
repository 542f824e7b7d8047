"""Internal cross-validation: splits, the fold worker, the held-out record.

``fit_and_score_fold`` is the module-level function each fold runs (in a
worker process, through ``sklearn.utils.parallel``, so that joblib's dask and
ray backends work). ``pool_folds`` turns the folds into one ``HeldOut``
record that every later step reads: the folds' held-out parts pooled once, in
fold order, so that fold ``i`` is the slice ``record.folds[i]`` of each array.
"""

import time
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils._response import _get_response_values_binary
from sklearn.utils.metadata_routing import _routing_enabled, process_routing
from sklearn.utils.validation import _check_method_params, has_fit_parameter

from threshold_estimator._diagnostics import shown_label
from threshold_estimator._warnings import warn_at_caller


class Fold(NamedTuple):
    """One internal fold: its held-out part and what its model said there."""

    test: np.ndarray
    # Binary: the score of pos_label, shape (n_test,); multiclass: the class
    # probabilities, shape (n_test, n_classes).
    scores: np.ndarray
    seconds: float
    # The fitted model, kept only for refit=False.
    model: object


class HeldOut(NamedTuple):
    """Every fold's held-out samples, pooled once in fold order.

    ``index`` is each row's sample index in ``X``; ``scores`` the fold
    model's score there (binary: pos_label's, shape (n,); multiclass: the
    probabilities, (n, n_classes)); ``codes`` its class index; ``weight``
    its sample weight or None; ``folds`` the slice of each fold;
    ``seconds`` each fold's fit and score time; ``model`` the single fold's
    fitted model when it was kept (``refit=False``), else None.
    """

    index: np.ndarray
    scores: np.ndarray
    codes: np.ndarray
    weight: object
    folds: list
    seconds: list
    model: object

    @property
    def n_folds(self):
        return len(self.folds)

    @property
    def fold_id(self):
        """Each row's fold number."""
        return np.repeat(
            np.arange(self.n_folds), [s.stop - s.start for s in self.folds]
        )

    def fold_counts(self, n_classes):
        """Held-out samples of each class in each fold, (n_folds, n_classes)."""
        return np.array(
            [np.bincount(self.codes[f], minlength=n_classes) for f in self.folds]
        )


def pool_folds(folds, target, sample_weight):
    """The folds' held-out parts as one ``HeldOut`` record."""
    index = np.concatenate([f.test for f in folds])
    sizes = np.cumsum([0] + [f.test.size for f in folds])
    return HeldOut(
        index=index,
        scores=np.concatenate([f.scores for f in folds]),
        codes=target.codes[index],
        weight=None if sample_weight is None else sample_weight[index],
        folds=[slice(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)],
        seconds=[f.seconds for f in folds],
        model=folds[0].model,
    )


def fit_and_score_fold(
    estimator, X, y, *, train, test, fit_params, response_method, pos_label, keep
):
    """Fit on a fold's training part; score its held-out part.

    The fitted model is sent back only when asked for (``refit=False``): from
    a worker process it would be pickled for nothing.
    """
    start = time.perf_counter()
    fit_params = _check_method_params(X, fit_params, indices=train)
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    scores = response_scores(
        estimator, _safe_indexing(X, test), response_method, pos_label
    )
    return Fold(
        np.asarray(test),
        scores,
        time.perf_counter() - start,
        estimator if keep else None,
    )


def response_scores(estimator, X, response_method, pos_label):
    """Binary: the score of ``pos_label``; multiclass: the probabilities."""
    if pos_label is None:
        return np.asarray(estimator.predict_proba(X), dtype=np.float64)
    scores, _ = _get_response_values_binary(
        estimator, X, response_method, pos_label=pos_label
    )
    return np.asarray(scores, dtype=np.float64).ravel()


def make_splitter(cv, random_state):
    """The cross-validation splitter that ``cv`` stands for."""
    if isinstance(cv, Real) and not isinstance(cv, Integral):
        return StratifiedShuffleSplit(
            n_splits=1, test_size=cv, random_state=random_state
        )
    if isinstance(cv, Integral):
        return StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return check_cv(cv, classifier=True)


def make_splits(cv, splitter, X, target, split_params, sample_weight, refit):
    """The folds as a list of (train, test) index arrays, checked."""
    n_classes = target.classes.size
    if isinstance(cv, Integral):
        counts = np.bincount(target.codes, minlength=n_classes)
        smallest = counts.min()
        if smallest < cv:
            label = shown_label(target.classes[np.argmin(counts)])
            raise ValueError(
                f"y has {smallest} samples of class {label!r}, fewer than "
                f"cv={cv} folds: every held-out fold needs one. "
                + (
                    f"Use cv={smallest} or fewer, or more samples of that class."
                    if smallest >= 2
                    else "Tuning needs at least 2 samples of each class."
                )
            )
    splits = list(splitter.split(X, target.y, **split_params))
    if not splits:
        raise ValueError(
            "cv made no splits; pass a splitter or at least one (train, test) "
            "pair of indices."
        )
    if not refit and len(splits) != 1:
        raise ValueError(
            f"refit=False keeps the model of a single split, but cv makes "
            f"{len(splits)} splits. Use refit=True, or a single split such as "
            "cv=0.2."
        )
    # The samples of each class in y that a fold can hold (non-zero weight).
    in_y = np.bincount(
        target.codes,
        weights=None if sample_weight is None else sample_weight > 0,
        minlength=n_classes,
    ).astype(np.intp)
    for i, (train, test) in enumerate(splits):
        for part, index in (("training", train), ("held-out", test)):
            # Samples of zero weight count as absent, as if removed.
            present = np.bincount(
                target.codes[index],
                weights=None if sample_weight is None else sample_weight[index],
                minlength=n_classes,
            )
            if (present <= 0).any():
                missing = int(np.argmin(present))
                label = shown_label(target.classes[missing])
                of = "" if sample_weight is None else " (of non-zero weight)"
                raise ValueError(
                    f"The {part} part of fold {i} of cv holds no sample of "
                    f"class {label!r}{of}; every fold needs every class. "
                    + missing_class_advice(
                        cv,
                        splitter,
                        label,
                        in_y[missing],
                        weighted=sample_weight is not None,
                    )
                )
    return splits


def check_held_out_scores(folds, response_method):
    """Refuse NaN, infinite or constant held-out scores, naming the fold."""
    for i, fold in enumerate(folds):
        if not np.isfinite(fold.scores).all():
            raise ValueError(
                f"The estimator's {response_method} gave NaN or infinite scores "
                f"on the held-out part of fold {i}; no threshold can be tuned on "
                "them. Check the estimator and its input for NaN."
            )
        if (np.ptp(fold.scores, axis=0) == 0).all():
            first = fold.scores[0].tolist()
            raise ValueError(
                f"The estimator's {response_method} is constant ({first!r}) on "
                f"the held-out part of fold {i}, so no threshold separates its "
                "samples. Check that the estimator learns from the features."
            )


# The splitters that keep every class's share in every fold, and those that
# keep groups apart, whose stratified form is StratifiedGroupKFold.
_STRATIFIED = (
    StratifiedKFold,
    StratifiedShuffleSplit,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
)
_GROUPED = (GroupKFold, GroupShuffleSplit, LeaveOneGroupOut, LeavePGroupsOut)


def missing_class_advice(cv, splitter, label, in_y, weighted):
    """What to do about a fold without ``label``, of which y has ``in_y``.

    ``in_y`` counts the samples of non-zero weight when ``weighted``.
    """
    of = " of non-zero weight" if weighted else ""
    if in_y == 0:
        return (
            f"sample_weight is zero for every sample of class {label!r}: give some "
            "of them a weight, or leave the class out of y."
        )
    if in_y == 1:
        return (
            f"y has 1 sample{of} of class {label!r}; tuning needs at least 2 of "
            "each class, one for each part of a fold."
        )
    if isinstance(splitter, _STRATIFIED):
        name = type(splitter).__name__
        given = name if hasattr(cv, "split") else f"cv={cv!r} makes a {name}"
        if not isinstance(splitter, StratifiedShuffleSplit):
            fewer = "fewer folds"
        elif hasattr(cv, "split"):
            fewer = "a larger test_size"
        else:
            fewer = "a larger cv, the held-out fraction"
        return (
            f"cv is already stratified ({given}), but y has only {in_y} samples{of} "
            f"of class {label!r}: use {fewer}, or more samples of that class."
        )
    if isinstance(splitter, _GROUPED):
        return (
            f"{type(cv).__name__} keeps groups apart but does not stratify by "
            "class: use StratifiedGroupKFold, which does both, or fewer folds."
        )
    given = f"{type(cv).__name__} does" if hasattr(cv, "split") else "The splits do"
    return (
        f"{given} not stratify by class: use a stratified splitter such as "
        "StratifiedKFold(n_splits, shuffle=True), or fewer folds."
    )


def route_fit_params(owner, sample_weight, fit_params):
    """The metadata of ``owner.fit`` for its estimator, splitter and scorer,
    as a Bunch: routed when metadata routing is enabled, else as
    scikit-learn's searches did before it."""
    if _routing_enabled():
        if sample_weight is not None:
            fit_params = {"sample_weight": sample_weight, **fit_params}
        routed = process_routing(owner, "fit", **fit_params)
        # An iterable of splits is not routed to (see get_metadata_routing).
        return Bunch(
            estimator=routed.estimator,
            splitter=getattr(routed, "splitter", Bunch(split={})),
            scorer=getattr(routed, "scorer", Bunch(score={})),
        )
    estimator_params = dict(fit_params)
    # As scikit-learn's searches did before metadata routing: groups go to
    # the splitter.
    split_params = {}
    if "groups" in estimator_params:
        split_params["groups"] = estimator_params.pop("groups")
    if sample_weight is not None:
        if has_fit_parameter(owner.estimator, "sample_weight"):
            estimator_params["sample_weight"] = sample_weight
        else:
            warn_at_caller(
                f"{type(owner.estimator).__name__}.fit does not accept "
                "sample_weight, so the weights only weigh the threshold's "
                "objective. To weigh a Pipeline's steps, enable metadata "
                "routing (sklearn.set_config(enable_metadata_routing=True)) "
                "and request the weights.",
                UserWarning,
            )
    scorer_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    return Bunch(
        estimator=Bunch(fit=estimator_params),
        splitter=Bunch(split=split_params),
        scorer=Bunch(score=scorer_params),
    )

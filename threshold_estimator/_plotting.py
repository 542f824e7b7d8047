"""ThresholdCurveDisplay: what the tuned threshold looks like.

matplotlib is imported only when a plot is drawn, so that the package works
without it; ``pip install "threshold-estimator[plot]"`` brings it.
"""

import numpy as np
from sklearn.metrics import auc, precision_recall_curve, roc_curve
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._response import _get_response_values_binary
from sklearn.utils.validation import assert_all_finite, check_is_fitted

from threshold_estimator._checks import check_weights
from threshold_estimator._diagnostics import format_quantity, objective_sign
from threshold_estimator._search import best_cut, counts_at, objective_curve
from threshold_estimator.objectives import Objective, get_objective

_KINDS = ("objective", "roc", "precision_recall", "rules")
# The multiclass rules kind="rules" compares, as cv_results_ names them.
_RULES = {"argmax": "plain argmax", "prior": "prior rule p_k / prior_k"}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "ThresholdCurveDisplay needs matplotlib: pip install "
            '"threshold-estimator[plot]"'
        ) from exc
    return plt


class ThresholdCurveDisplay:
    """Plot of a tuned threshold: the objective's curves or an operating point.

    With ``kind="objective"``, the objective against the threshold for each
    internal fold (thin lines) and their mean (thick line), with each fold's
    best threshold (dotted) and the chosen one (dashed). With ``kind="roc"``
    or ``kind="precision_recall"``, the ROC or precision-recall curve of some
    data, with the operating point of the chosen threshold marked. With more
    than two classes, whose rule ``argmax_k p_k / t_k`` has no single
    threshold to draw a curve against, ``kind="rules"`` draws each fold's
    held-out objective under plain argmax, the prior rule and the decision
    rule, which shows what tuning the rule gained fold by fold.

    A cost (:func:`~threshold_estimator.objectives.cost`,
    :func:`~threshold_estimator.objectives.cost_matrix`) is drawn as the
    expected cost per sample, the axis label saying that lower is better.

    Make one with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor only stores what it is given.

    Parameters
    ----------
    kind : {"objective", "roc", "precision_recall"}
        What is drawn.
    curves_x, curves_y : list of ndarray
        One curve per fold (``"objective"``: thresholds and values), a
        single curve (``"roc"``: FPR and TPR; ``"precision_recall"``: recall
        and precision) or one per rule (``"rules"``: fold numbers and the
        objective of each fold).
    decision_threshold : float or ndarray of shape (n_classes,)
        The chosen threshold (a vector for ``"rules"``).
    fold_thresholds : ndarray, default=None
        Each fold's best threshold (``"objective"`` only).
    operating_point : tuple of float, default=None
        ``(x, y)`` of the chosen threshold on the curve (``"roc"``,
        ``"precision_recall"``).
    objective_name : str, default=None
        Label of the objective axis.
    estimator_name : str, default=None
        Name shown in the legend.
    greater_is_better : bool, default=True
        Whether the values drawn are better larger; ``False`` for a cost,
        which the axis label then says.
    curve_labels : list of str, default=None
        The legend label of each curve (``"rules"``).

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        The curves drawn (for ``"objective"``: the folds, then the mean).
    threshold_lines_ : list of matplotlib Line2D
        The fold thresholds, then the chosen one (``"objective"``).
    point_ : matplotlib Line2D or None
        The operating point's marker (``"roc"``, ``"precision_recall"``).

    See Also
    --------
    ThresholdedClassifier : Tunes the threshold drawn here.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdCurveDisplay, ThresholdedClassifier
    >>> X, y = make_classification(n_samples=1000, weights=[0.8], random_state=0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
    ...                             store_cv_results=True, random_state=0)
    >>> display = ThresholdCurveDisplay.from_estimator(clf.fit(X, y))
    >>> len(display.lines_), len(display.threshold_lines_)
    (6, 6)
    >>> roc = ThresholdCurveDisplay.from_estimator(clf, X, y, kind="roc")
    >>> print(f"operating point FPR {roc.operating_point[0]:.2f}")
    operating point FPR 0.03

    A cost is drawn as a cost; three classes, as the rules fold by fold:

    >>> from threshold_estimator.objectives import cost_matrix
    >>> X, y = make_classification(n_samples=2000, n_classes=3, n_informative=4,
    ...                            weights=[0.6, 0.3, 0.1], random_state=0)
    >>> costs = cost_matrix([[0, 1, 1], [5, 0, 1], [20, 5, 0]])
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring=costs,
    ...                             store_cv_results=True, random_state=0)
    >>> rules = ThresholdCurveDisplay.from_estimator(clf.fit(X, y), kind="rules")
    >>> rules.ax_.get_ylabel()
    'cost per sample (lower is better)'
    >>> [line.get_label() for line in rules.lines_]
    ['plain argmax', 'prior rule p_k / prior_k', 'decision rule (tuned)']
    """

    def __init__(
        self,
        *,
        kind,
        curves_x,
        curves_y,
        decision_threshold,
        fold_thresholds=None,
        operating_point=None,
        objective_name=None,
        estimator_name=None,
        greater_is_better=True,
        curve_labels=None,
    ):
        self.kind = kind
        self.curves_x = curves_x
        self.curves_y = curves_y
        self.decision_threshold = decision_threshold
        self.fold_thresholds = fold_thresholds
        self.operating_point = operating_point
        self.objective_name = objective_name
        self.estimator_name = estimator_name
        self.greater_is_better = greater_is_better
        self.curve_labels = curve_labels

    @classmethod
    def from_estimator(cls, estimator, X=None, y=None, *, kind="objective", ax=None):
        """Plot a fitted ``ThresholdedClassifier``.

        Parameters
        ----------
        estimator : ThresholdedClassifier
            Fitted; for ``kind="objective"`` (two classes) and ``kind="rules"``
            (more), tuned with ``store_cv_results=True``.
        X : {array-like, sparse matrix, dataframe}, default=None
            Data whose ROC or precision-recall curve is drawn; held-out data
            shows what the threshold does on new samples. Not used by
            ``kind="objective"``.
        y : array-like of shape (n_samples,), default=None
            Labels of ``X``.
        kind : {"objective", "roc", "precision_recall", "rules"}, \
                default="objective"
            ``"rules"`` for more than two classes, the others for two.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure's axes when ``None``.

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        _check_kind(kind)
        check_is_fitted(estimator, "estimator_")
        multiclass = estimator.classes_.size > 2
        if multiclass != (kind == "rules"):
            raise ValueError(
                "kind='rules' compares the rules of more than two classes; this "
                "classifier has two: use kind='objective', 'roc' or "
                "'precision_recall'."
                if not multiclass
                else f"kind={kind!r} draws the threshold of two classes; this "
                f"classifier has {estimator.classes_.size}, whose rule "
                "argmax_k p_k / t_k has no single threshold curve. Use "
                "kind='rules' for each fold's objective under each rule, or "
                "read estimator.summary()."
            )
        name = type(estimator.estimator_).__name__
        if kind in ("objective", "rules"):
            _check_stored_folds(estimator, kind)
            objective = estimator.objective_
            sign = objective_sign(objective)
            drawn = {
                "kind": kind,
                "decision_threshold": estimator.decision_threshold_,
                "objective_name": format_quantity(objective),
                "estimator_name": name,
                "greater_is_better": sign > 0,
            }
            if kind == "rules":
                return cls(**drawn, **_rule_curves(estimator, sign)).plot(ax=ax)
            display = cls(
                curves_x=estimator.cv_results_["thresholds"],
                curves_y=[sign * v for v in estimator.cv_results_["scores"]],
                fold_thresholds=estimator.fold_thresholds_,
                **drawn,
            )
            return display.plot(ax=ax)
        if X is None or y is None:
            raise ValueError(f"kind={kind!r} needs the data to draw: pass X and y.")
        scores, _ = _get_response_values_binary(
            estimator.estimator_,
            X,
            estimator.response_method_,
            pos_label=estimator.pos_label_,
        )
        return cls.from_predictions(
            np.asarray(y) == estimator.pos_label_,
            scores,
            threshold=estimator.decision_threshold_,
            kind=kind,
            name=name,
            ax=ax,
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        kind="objective",
        scoring="balanced_accuracy",
        threshold=None,
        pos_label=None,
        sample_weight=None,
        metadata=None,
        name=None,
        ax=None,
    ):
        """Plot held-out scores and a threshold.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Binary labels.
        y_score : array-like of shape (n_samples,)
            Scores, larger for ``pos_label``.
        kind : {"objective", "roc", "precision_recall"}, default="objective"
            ``"rules"`` compares the rules of a fitted multiclass estimator:
            see :meth:`from_estimator`.
        scoring : str or Objective, default="balanced_accuracy"
            The objective drawn by ``kind="objective"``.
        threshold : float, default=None
            The threshold to mark; ``None`` marks the best one of ``scoring``
            on these scores, found exactly.
        pos_label : int, float, bool or str, default=None
            The positive class; ``None`` means the larger label (``True`` for
            booleans).
        sample_weight : array-like of shape (n_samples,), default=None
        metadata : dict of str to array-like, default=None
            The per-sample arrays ``scoring`` reads, such as the amounts of
            ``cost(fn="amount")``.
        name : str, default=None
            Name shown in the legend.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        _check_kind(kind)
        if kind == "rules":
            raise ValueError(
                "kind='rules' compares the folds of a fitted multiclass "
                "ThresholdedClassifier: use from_estimator."
            )
        y_true = column_or_1d(y_true)
        y_score = column_or_1d(y_score, dtype=np.float64)
        check_consistent_length(y_true, y_score, sample_weight)
        assert_all_finite(y_score, input_name="y_score")
        classes = np.unique(y_true)
        if classes.size != 2:
            raise ValueError(
                f"y_true must hold two classes to draw a threshold; it holds "
                f"{classes.size}: {classes.tolist()}."
            )
        if pos_label is None:
            pos_label = classes[-1]
        elif pos_label not in classes.tolist():
            raise ValueError(
                f"pos_label={pos_label!r} is not a class of y_true; use one of "
                f"{classes.tolist()}."
            )
        positive = y_true == pos_label
        weight = (
            None if sample_weight is None else check_weights(sample_weight, y_score)
        )
        if not isinstance(scoring, Objective):
            try:
                scoring = get_objective(scoring)
            except ValueError:
                raise ValueError(
                    f"from_predictions draws the objectives of this package; "
                    f"scoring={scoring!r} is not one of them."
                ) from None
        objective, counting = scoring.bind(positive, weight, metadata or {})
        thresholds, values = objective_curve(objective, positive, y_score, counting)
        if threshold is None:
            threshold = float(thresholds[best_cut(values)])
        if kind == "objective":
            sign = objective_sign(objective)
            display = cls(
                kind=kind,
                curves_x=[thresholds],
                curves_y=[sign * values],
                decision_threshold=threshold,
                objective_name=format_quantity(objective),
                estimator_name=name,
                greater_is_better=sign > 0,
            )
            return display.plot(ax=ax)
        tn, fp, fn, tp = counts_at(positive, y_score, weight, threshold)
        if kind == "roc":
            fpr, tpr, _ = roc_curve(positive, y_score, sample_weight=weight)
            point = (fp / (fp + tn), tp / (tp + fn))
            curve = ([fpr], [tpr])
        else:
            precision, recall, _ = precision_recall_curve(
                positive, y_score, sample_weight=weight
            )
            # As precision_recall_curve: precision 1 where nothing is flagged.
            point = (tp / (tp + fn), tp / (tp + fp) if tp + fp else 1.0)
            curve = ([recall], [precision])
        display = cls(
            kind=kind,
            curves_x=curve[0],
            curves_y=curve[1],
            decision_threshold=threshold,
            operating_point=tuple(float(v) for v in point),
            estimator_name=name,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None, *, name=None):
        """Draw the display.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure's axes when ``None``.
        name : str, default=None
            Name shown in the legend; ``estimator_name`` when ``None``.

        Returns
        -------
        display : ThresholdCurveDisplay
            ``self``, with ``ax_``, ``figure_`` and the drawn artists set.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        name = name or self.estimator_name
        self.ax_, self.figure_ = ax, ax.figure
        self.lines_, self.threshold_lines_, self.point_ = [], [], None
        if self.kind == "objective":
            self._plot_objective(ax, name)
        elif self.kind == "rules":
            self._plot_rules(ax)
        else:
            self._plot_operating_point(ax, name)
        ax.legend(loc="best")
        return self

    def _objective_label(self):
        label = self.objective_name or "objective"
        return label if self.greater_is_better else f"{label} (lower is better)"

    def _plot_objective(self, ax, name):
        several = len(self.curves_x) > 1
        for i, (x, y) in enumerate(zip(self.curves_x, self.curves_y, strict=True)):
            (line,) = ax.plot(
                x,
                y,
                linewidth=1 if several else 2,
                alpha=0.4 if several else 1.0,
                color="C0",
                label="folds" if several and i == 0 else None,
            )
            self.lines_.append(line)
        if several:
            grid = np.unique(np.concatenate(self.curves_x))
            # np.interp needs increasing x; the stored curves decrease.
            mean = np.mean(
                [
                    np.interp(grid, x[::-1], y[::-1])
                    for x, y in zip(self.curves_x, self.curves_y, strict=True)
                ],
                axis=0,
            )
            label = f"mean of {len(self.curves_x)} folds"
            (line,) = ax.plot(grid, mean, linewidth=2, color="C0", label=label)
            self.lines_.append(line)
        elif name:
            self.lines_[0].set_label(name)
        fold_thresholds = () if self.fold_thresholds is None else self.fold_thresholds
        for i, t in enumerate(fold_thresholds):
            label = "fold thresholds" if i == 0 else None
            line = ax.axvline(t, color="C1", linestyle=":", linewidth=1, label=label)
            self.threshold_lines_.append(line)
        chosen = ax.axvline(
            self.decision_threshold,
            color="C3",
            linestyle="--",
            linewidth=2,
            label=f"threshold {self.decision_threshold:.3g}",
        )
        self.threshold_lines_.append(chosen)
        ax.set_xlabel("decision threshold")
        ax.set_ylabel(self._objective_label())

    def _plot_rules(self, ax):
        labels = self.curve_labels or [None] * len(self.curves_x)
        for i, (x, y, label) in enumerate(
            zip(self.curves_x, self.curves_y, labels, strict=True)
        ):
            last = i == len(self.curves_x) - 1
            # The decision rule is often one of the others: drawn wide and
            # faint beneath them, it leaves them visible.
            (line,) = ax.plot(
                x,
                y,
                marker="o",
                linewidth=5 if last else 1.5,
                alpha=0.45 if last else 1.0,
                color="C3" if last else f"C{i}",
                zorder=1 if last else 2,
                label=label,
            )
            self.lines_.append(line)
        ax.set_xticks(self.curves_x[0])
        ax.set_xlabel("held-out fold")
        ax.set_ylabel(self._objective_label())

    def _plot_operating_point(self, ax, name):
        x, y = self.curves_x[0], self.curves_y[0]
        if self.kind == "roc":
            # Drawn here rather than by RocCurveDisplay, whose constructor's
            # arguments changed across the supported scikit-learn versions.
            label = (
                f"{name} (AUC = {auc(x, y):.2f})" if name else f"AUC = {auc(x, y):.2f}"
            )
            ax.plot(x, y, label=label)
            ax.plot([0, 1], [0, 1], "k--", label="chance level (AUC = 0.5)")
            ax.set_xlabel("false positive rate")
            ax.set_ylabel("true positive rate")
            ax.set_aspect("equal")
        else:
            ax.plot(x, y, drawstyle="steps-post", label=name)
            ax.set_xlabel("recall")
            ax.set_ylabel("precision")
        self.lines_ = [line for line in ax.get_lines() if line.get_label() != ""]
        (self.point_,) = ax.plot(
            *self.operating_point,
            marker="o",
            markersize=9,
            color="C3",
            linestyle="none",
            label=f"threshold {self.decision_threshold:.3g}",
        )


def _check_stored_folds(estimator, kind):
    """Refuse an estimator without the fold results ``kind`` draws."""
    if not hasattr(estimator, "fold_thresholds_"):
        how = (
            f"was fixed (threshold={estimator.threshold!r})"
            if estimator.decision_rule_ == "fixed"
            else f"was not tuned on folds (decision_rule_={estimator.decision_rule_!r})"
        )
        raise ValueError(
            f"kind={kind!r} draws the folds of a tuned rule; this one {how}, so "
            "there are none."
        )
    if not hasattr(estimator, "cv_results_"):
        raise ValueError(
            f"kind={kind!r} draws the fold results kept by "
            "store_cv_results=True; fit the estimator with it."
        )


def _rule_curves(estimator, sign):
    """Each fold's objective under plain argmax, the prior rule and the rule."""
    results = estimator.cv_results_
    folds = np.arange(1, len(results["decision"]) + 1)
    labels = [*_RULES.values(), f"decision rule ({estimator.decision_rule_})"]
    values = [results[key] for key in (*_RULES, "decision")]
    return {
        "curves_x": [folds] * len(values),
        "curves_y": [sign * np.asarray(v) for v in values],
        "curve_labels": labels,
    }


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}.")

"""Export a fitted ThresholdedClassifier to ONNX, its decision rule included.

skl2onnx converts the inner estimator with its own converter; the converter
registered here adds the rule of :meth:`ThresholdedClassifier.predict` on the
estimator's output, so that the graph's labels are the classifier's.
"""

import numpy as np
from sklearn.linear_model import (
    Perceptron,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import check_is_fitted

from threshold_estimator import ThresholdedClassifier

# The name skl2onnx registers the converter under.
_ALIAS = "ThresholdEstimatorThresholdedClassifier"

# For two classes without predict_proba, skl2onnx's converters output the
# estimator's decision scores, in a layout of their own: one column that is
# decision_function (LinearSVC), [-d, d] (SGDClassifier) or [d, -d] (SVC).
# So a decision_function threshold is exported only for the estimators whose
# column of d is known, given here.
_DECISION_COLUMN = {
    LinearSVC: 0,
    RidgeClassifier: 0,
    RidgeClassifierCV: 0,
    SGDClassifier: 1,
    Perceptron: 1,
    SVC: 0,
    NuSVC: 0,
}


@validate_params(
    {"model": [ThresholdedClassifier], "X": "no_validation"},
    prefer_skip_nested_validation=True,
)
def to_onnx(model, X, **kwargs):
    """Convert a fitted ThresholdedClassifier to ONNX, its decision rule included.

    The inner estimator is converted by skl2onnx's own converter, and the
    rule of :meth:`~threshold_estimator.ThresholdedClassifier.predict` is
    applied to its output: for two classes, ``pos_label_`` where the score
    is at least ``decision_threshold_``; for more, the argmax of
    ``p_k / t_k``, or the least expected cost of ``cost_matrix_``. The graph
    has two outputs, as skl2onnx's classifiers do: ``label``, the classes
    :meth:`~threshold_estimator.ThresholdedClassifier.predict` gives, and
    ``probabilities``, those of ``predict_proba``. An abstention band is not
    exported: :meth:`~threshold_estimator.ThresholdedClassifier.predict_with_abstention`
    has no counterpart in the graph.

    Parameters
    ----------
    model : ThresholdedClassifier
        A fitted classifier, of two classes or more, whose estimator
        skl2onnx converts (LogisticRegression, a Pipeline of supported
        steps, tree ensembles, ...). A threshold of ``decision_function``
        needs one of LinearSVC, RidgeClassifier, RidgeClassifierCV,
        SGDClassifier, Perceptron, SVC or NuSVC, alone or ending a Pipeline.

    X : array-like of shape (n_samples, n_features)
        A few samples whose type and number of columns give the graph's
        input: float32 samples make a float32 graph, float64 samples a
        double one where the estimator's converter supports it. ``None``
        with ``initial_types`` in ``kwargs``.

    **kwargs : dict
        Passed to ``skl2onnx.to_onnx``: ``target_opset``, ``options``,
        ``initial_types``, ``name``... ``target_opset`` is the opset the
        serving runtime reads: skl2onnx 1.20 writes opset 22 by default,
        which ONNX Runtime reads from version 1.21 (``target_opset=21``
        for 1.18 to 1.20). The probabilities are a tensor of shape
        (n_samples, n_classes) unless ``options`` sets ``zipmap``
        (skl2onnx's classifiers default to a list of dictionaries).

    Returns
    -------
    onnx_model : onnx.ModelProto
        The graph, with outputs ``label`` (strings for string classes,
        int64 for the others, booleans as 0 and 1) and ``probabilities``.
        For an estimator without ``predict_proba``, ``probabilities`` holds
        the decision scores skl2onnx gives for it.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    NotFittedError
        If ``model`` is not fitted.
    ValueError
        If the rule reads a ``decision_function`` that the graph cannot
        reproduce.
    RuntimeError
        If skl2onnx cannot convert the estimator; the message names it.

    See Also
    --------
    threshold_estimator.persistence.dump : Save a fitted model to a file.
    skl2onnx.to_onnx : The conversion this function calls.

    Notes
    -----
    skl2onnx computes in the type of ``X``, usually float32, where
    scikit-learn computes in float64. The rule itself is applied in double
    against the exact thresholds, but a score computed in float32 differs
    from scikit-learn's by about ``1e-7`` (relative), so a sample whose
    score lies that close to ``decision_threshold_`` may get the other
    class. Tuning places thresholds midway between adjacent distinct
    held-out scores, so such samples are rare, but new data can land
    there. float64 samples in ``X`` make a double graph for linear models
    and their pipelines, whose labels then match :meth:`predict` up to ties
    at ``1e-15``. Ties go as in
    :meth:`~threshold_estimator.ThresholdedClassifier.predict`: a score equal
    to the threshold is ``pos_label_``; among classes of equal ``p_k / t_k``
    (or equal expected cost) the first in ``classes_``.

    Needs ``pip install "threshold-estimator[onnx]"`` (skl2onnx, and
    onnxruntime to run the graph).

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as rt
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> from threshold_estimator.persistence import to_onnx
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> X = X.astype(np.float32)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
    ...                             random_state=0).fit(X, y)
    >>> onx = to_onnx(clf, X[:1])
    >>> session = rt.InferenceSession(onx.SerializeToString(),
    ...                               providers=["CPUExecutionProvider"])
    >>> label, proba = session.run(None, {"X": X[:200]})
    >>> print(f"{clf.decision_threshold_:.2f}",
    ...       f"{(label == clf.predict(X[:200])).mean():.2f}")
    0.38 1.00
    """
    skl2onnx = _import_skl2onnx()
    check_is_fitted(model, "estimator_")
    _check_decision_column(model)
    skl2onnx.update_registered_converter(
        ThresholdedClassifier,
        _ALIAS,
        _infer_output_types,
        _convert,
        options={
            "zipmap": [True, False, "columns"],
            # Labels are always the classes: class indices would not be
            # what predict says.
            "nocl": [False],
            "output_class_labels": [False, True],
        },
    )
    kwargs["options"] = _with_tensor_probabilities(model, kwargs.get("options"))
    try:
        return skl2onnx.to_onnx(model, X, **kwargs)
    except RuntimeError as exc:
        raise RuntimeError(
            "skl2onnx could not convert this ThresholdedClassifier of a "
            f"{type(model.estimator_).__name__}: {exc}"
        ) from exc


def _import_skl2onnx():
    try:
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            'ONNX export needs skl2onnx: pip install "threshold-estimator[onnx]" '
            f"({exc})."
        ) from exc
    return skl2onnx


def _onnx_labels(classes):
    """The classes as ONNX labels hold them: strings, or int64.

    scikit-learn's classifiers take no other classes: a target of floats
    that are not integers is continuous.
    """
    if all(isinstance(c, str) for c in classes):
        return np.asarray(classes, dtype=object)
    return np.asarray(classes).astype(np.int64)


def _final_estimator(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _check_decision_column(model):
    """The column of the graph's scores that is ``decision_function``, or None.

    None when the rule reads probabilities, which come in ``classes_`` order.
    """
    if model.response_method_ == "predict_proba":
        return None
    final = _final_estimator(model.estimator_)
    if hasattr(model.estimator_, "predict_proba"):
        raise ValueError(
            "This classifier thresholds the decision_function of "
            f"{type(final).__name__}, which also has predict_proba, so "
            "skl2onnx's converter outputs probabilities, not the decision "
            "function. Fit with response_method='predict_proba' to export."
        )
    if type(final) not in _DECISION_COLUMN:
        known = ", ".join(t.__name__ for t in _DECISION_COLUMN)
        raise ValueError(
            "This classifier thresholds the decision_function of "
            f"{type(final).__name__}, whose decision scores skl2onnx lays out "
            f"in a way not known here (known: {known}). Fit with "
            "response_method='predict_proba', wrapping the estimator in "
            "sklearn.calibration.CalibratedClassifierCV if it has no "
            "predict_proba."
        )
    return _DECISION_COLUMN[type(final)]


def _with_tensor_probabilities(model, options):
    """skl2onnx's ``options``, with ``zipmap=False`` for ``model`` by default."""
    if options is None:
        return {id(model): {"zipmap": False}}
    if all(isinstance(key, str) for key in options):
        # skl2onnx's short form: options of the top model by name.
        return {"zipmap": False, **options}
    options = dict(options)
    own = {**options.get(type(model), {}), **options.get(id(model), {})}
    options[id(model)] = {"zipmap": False, **own}
    return options


def _infer_output_types(operator):
    """Labels as ``classes_`` (int64 or strings); scores as the input's type."""
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    model = operator.raw_operator
    n_samples = operator.inputs[0].get_first_dimension()
    labels = _onnx_labels(model.classes_)
    label_type = StringTensorType if labels.dtype == object else Int64TensorType
    operator.outputs[0].type = label_type(shape=[n_samples])
    score_type = (
        DoubleTensorType
        if isinstance(operator.inputs[0].type, DoubleTensorType)
        else FloatTensorType
    )
    n_columns = (
        model.classes_.size if model.response_method_ == "predict_proba" else None
    )
    operator.outputs[1].type = score_type(shape=[n_samples, n_columns])


def _convert(scope, operator, container):
    """The estimator's operator, then the decision rule on its scores."""
    from skl2onnx import get_model_alias
    from skl2onnx.algebra.onnx_ops import OnnxCast, OnnxGather
    from skl2onnx.common.data_types import Int64TensorType, guess_proto_type

    model = operator.raw_operator
    opset = container.target_opset
    label, probabilities = operator.outputs
    # As skl2onnx converts TunedThresholdClassifierCV: the estimator becomes
    # an operator of its own (a Pipeline's converter parses its steps), whose
    # outputs the shape calculator of its type then types.
    estimator = scope.declare_local_operator(
        get_model_alias(type(model.estimator_)), model.estimator_
    )
    estimator.inputs = operator.inputs
    scores = scope.declare_local_variable("scores", type(probabilities.type)())
    estimator.outputs.append(scope.declare_local_variable("label", Int64TensorType()))
    estimator.outputs.append(scores)
    OnnxCast(
        scores,
        to=guess_proto_type(probabilities.type),
        op_version=opset,
        output_names=[probabilities],
    ).add_to(scope, container)
    double = OnnxCast(scores, to=_DOUBLE, op_version=opset)
    index = (
        _binary_index(model, double, opset)
        if model.classes_.size == 2
        else _multiclass_index(model, double, opset)
    )
    OnnxGather(
        _onnx_labels(model.classes_),
        index,
        axis=0,
        op_version=opset,
        output_names=[label],
    ).add_to(scope, container)


# onnx.TensorProto.DOUBLE, without importing onnx at import time.
_DOUBLE = 11


def _binary_index(model, scores, opset):
    """The index in ``classes_`` that a score at or above the threshold gives."""
    from skl2onnx.algebra.onnx_ops import (
        OnnxGather,
        OnnxGreaterOrEqual,
        OnnxNeg,
        OnnxReshape,
        OnnxWhere,
    )

    pos = int(np.flatnonzero(model.classes_ == model.pos_label_)[0])
    column = _check_decision_column(model)
    if column is None:
        column = pos
    score = OnnxGather(scores, np.array([column]), axis=1, op_version=opset)
    if model.response_method_ == "decision_function" and pos == 0:
        # decision_function is the score of classes_[1]; scikit-learn negates
        # it for pos_label=classes_[0].
        score = OnnxNeg(score, op_version=opset)
    positive = OnnxGreaterOrEqual(
        score, np.array([model.decision_threshold_]), op_version=opset
    )
    index = OnnxWhere(positive, np.array([pos]), np.array([1 - pos]), op_version=opset)
    return OnnxReshape(index, np.array([-1]), op_version=opset)


def _multiclass_index(model, proba, opset):
    """``argmax_k log p_k - log t_k``, or ``argmin_j sum_k p_k C[k, j]``."""
    from skl2onnx.algebra.onnx_ops import (
        OnnxArgMax,
        OnnxArgMin,
        OnnxLog,
        OnnxMatMul,
        OnnxMax,
        OnnxSub,
    )

    if model.decision_threshold_ is None:
        cost = OnnxMatMul(proba, model.cost_matrix_, op_version=opset)
        return OnnxArgMin(cost, axis=1, keepdims=0, op_version=opset)
    # As _search.log_probabilities: a probability of 0 counts as the
    # smallest normal float, so that such classes rank as in predict.
    tiny = np.array([np.finfo(np.float64).tiny])
    log_proba = OnnxLog(OnnxMax(proba, tiny, op_version=opset), op_version=opset)
    margin = OnnxSub(log_proba, np.log(model.decision_threshold_), op_version=opset)
    return OnnxArgMax(margin, axis=1, keepdims=0, op_version=opset)

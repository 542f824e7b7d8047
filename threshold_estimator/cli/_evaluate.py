"""``threshold-estimator evaluate``: a model file's rule scored on labelled data.

The table is read in chunks, as ``predict`` reads it; of each row only its
class, its two predictions and the per-sample costs the objective reads are
kept (a few bytes a row, no feature), so that every objective, a scikit-learn
scorer's included, is computed exactly on all the rows at the end.
"""

import numpy as np

from threshold_estimator import TunedThreshold
from threshold_estimator._diagnostics import (
    format_bound,
    format_quantity,
    objective_sign,
)
from threshold_estimator._search import value_at
from threshold_estimator.cli._common import (
    finite,
    format_threshold,
    json_text,
    load_tuned,
    plain,
    progress,
)
from threshold_estimator.cli._files import (
    InputError,
    check_columns,
    check_sep,
    iter_table,
    one_line,
    shown_cell,
    table_columns,
)
from threshold_estimator.cli._inputs import model_input
from threshold_estimator.objectives import Constrained, get_objective

# Unknown labels named in an error, at most.
_SHOWN_LABELS = 10


def evaluate(args):
    """``threshold-estimator evaluate``: the rule's objective and errors on a table."""
    model = load_tuned(args.model, args.trust, args.max_bytes)
    args.sep = check_sep(args.data, args.sep, args.decimal)
    present = table_columns(args.data, args.sep)
    check_columns([args.target], present, args.data, "target")
    reader = model_input(model, args, present)
    objective = getattr(model, "objective_", None)
    metadata = list(getattr(objective, "metadata", ()))
    check_columns(metadata, present, args.data, "per-sample cost")
    rows = _read_rows(model, args, reader, metadata)
    facts = _evaluation(model, objective, rows, args)
    print(json_text(facts) if args.json else _evaluation_text(facts))
    return 0


class _Rows:
    """What is kept of each row: its class, its two predictions, its costs."""

    def __init__(self, metadata):
        self.truth, self.decision, self.default = [], [], []
        self.metadata = {name: [] for name in metadata}
        self.missing = 0
        self.unknown = {}

    def finish(self):
        self.truth = np.concatenate(self.truth)
        self.decision = np.concatenate(self.decision)
        self.default = np.concatenate(self.default)
        self.metadata = {k: np.concatenate(v) for k, v in self.metadata.items()}
        return self


def _read_rows(model, args, reader, metadata):
    """The chunks of the table, each predicted by both rules and kept small."""
    names = {str(plain(label)): i for i, label in enumerate(model.classes_)}
    # The classes are compared as text: a chunk of codes such as "10" and
    # "20" would otherwise be read as numbers.
    text = [*reader.text, args.target]
    wanted = list(dict.fromkeys([*reader.columns, args.target, *metadata]))
    rows = _Rows(metadata)
    n_rows = 0
    chunks = iter_table(
        args.data, wanted, args.chunk_rows, text, args.sep, args.decimal
    )
    for chunk in chunks:
        target = chunk[args.target]
        known = target.notna()
        rows.missing += int((~known).sum())
        codes = target[known].astype(str).map(names)
        for label in target[known][codes.isna()].astype(str).unique():
            rows.unknown.setdefault(label, None)
        # Read before the rows are filtered, so that a bad cell's row is its own.
        X = reader.read(chunk, n_rows)
        keep = known.to_numpy().copy()
        keep[keep] = codes.notna().to_numpy()
        chunk, X, codes = chunk[keep], X[keep], codes.dropna()
        if chunk.empty:
            # Nothing to predict: a header alone, or rows refused at the end.
            n_rows += len(target)
            continue
        try:
            decision = np.searchsorted(model.classes_, model.predict(X))
            default = _default_rule(model, X)
        except (ValueError, TypeError) as exc:
            cell = reader.explain(exc, X, n_rows)
            shown = f"rows {n_rows + 1:,} to {n_rows + len(target):,}"
            raise InputError(cell or f"{args.data}, {shown}: {one_line(exc)}") from None
        rows.truth.append(codes.to_numpy(dtype=np.intp))
        rows.decision.append(decision)
        rows.default.append(default)
        for name in metadata:
            rows.metadata[name].append(
                _per_sample(chunk[name], name, args.data, n_rows)
            )
        n_rows += len(target)
        progress(args, f"evaluated {n_rows:,} rows")
    _check_labels(rows, model, args)
    return rows.finish()


def _check_labels(rows, model, args):
    """Refuse missing labels and labels the model does not know, naming them."""
    if rows.missing:
        raise InputError(
            f"{args.data}: the target column {args.target!r} has {rows.missing} "
            "missing values; drop those rows or fill them"
        )
    if rows.unknown:
        unknown = list(rows.unknown)
        shown = ", ".join(map(shown_cell, unknown[:_SHOWN_LABELS]))
        more = (
            f" and {len(unknown) - _SHOWN_LABELS} more"
            if len(unknown) > _SHOWN_LABELS
            else ""
        )
        classes = ", ".join(repr(str(plain(c))) for c in model.classes_)
        raise InputError(
            f"{args.data}: the target column {args.target!r} holds labels the "
            f"model does not know: {shown}{more} (its classes: {classes})"
        )
    if not sum(truth.size for truth in rows.truth):
        raise InputError(f"{args.data} has a header but no rows")


def _per_sample(column, name, path, first_row):
    """A per-sample cost column as numbers, or bad input naming its rows."""
    try:
        values = column.to_numpy(dtype=np.float64)
    except (ValueError, TypeError):
        values = np.full(len(column), np.nan)
    if not np.isfinite(values).all():
        row = first_row + int(np.flatnonzero(~np.isfinite(values))[0]) + 1
        raise InputError(
            f"{path}: the cost column {name!r} needs a finite number in every "
            f"row; row {row:,} has {column.iloc[row - first_row - 1]!r}"
        )
    return values


def _default_rule(model, X):
    """The class index each row gets by the rule a classifier has untuned.

    A probability of 0.5 or a margin of 0 for two classes (pos_label where
    its score reaches it, as the tuned rule), the most probable class for
    more.
    """
    if isinstance(model, TunedThreshold):
        return _default_score_rule(model, X)
    if model.classes_.size > 2:
        return np.argmax(model.predict_proba(X), axis=1)
    pos = int(np.flatnonzero(model.classes_ == model.pos_label_)[0])
    if model.response_method_ == "predict_proba":
        score, cut = model.predict_proba(X)[:, pos], 0.5
    else:
        # The estimator's margin is that of classes_[1].
        margin = np.asarray(model.estimator_.decision_function(X)).ravel()
        score, cut = (margin if pos == 1 else -margin), 0.0
    return np.where(score >= cut, pos, 1 - pos)


def _default_score_rule(tuned, scores):
    """The untuned rule of scores, as given (never calibrated): a
    probability of 0.5 or a logit of 0, the largest score for more classes."""
    if scores.ndim == 2 and tuned.classes_.size > 2:
        return np.argmax(scores, axis=1)
    pos = int(np.flatnonzero(tuned.classes_ == tuned.pos_label_)[0])
    if scores.ndim == 2:
        scores = scores[:, pos]
    cut = 0.5 if tuned.score_type == "probability" else 0.0
    return np.where(scores >= cut, pos, 1 - pos)


def _default_rule_name(model):
    if model.classes_.size > 2:
        return "argmax"
    if isinstance(model, TunedThreshold):
        return "threshold 0.5" if model.score_type == "probability" else "logit 0"
    return "threshold 0.5" if model.response_method_ == "predict_proba" else "margin 0"


def _decision_rule_name(model):
    threshold = model.decision_threshold_
    if threshold is None:
        return f"least expected cost ({model.decision_rule_})"
    if model.classes_.size > 2:
        shown = format_threshold(plain(threshold))
        return f"argmax p_k / t_k, t = {shown} ({model.decision_rule_})"
    scale = ""
    if getattr(model, "calibration_", None) is not None:
        scale = " of the calibrated probability"
    elif getattr(model, "score_type", None) == "logit":
        scale = " of the logit"
    return f"threshold {format_threshold(threshold)}{scale} ({model.decision_rule_})"


def _evaluation(model, objective, rows, args):
    """Both rules' objective, confusion matrix and rates, as plain values."""
    classes = [str(plain(label)) for label in model.classes_]
    facts = {
        "model": str(args.model),
        "data": str(args.data),
        "target": args.target,
        "n_rows": int(rows.truth.size),
        "classes": classes,
        "pos_label": plain(model.pos_label_),
        "objective": None if objective is None else repr(objective),
        "quantity": None,
        "lower_is_better": None,
        "rules": {},
    }
    if objective is not None:
        facts["quantity"] = format_quantity(objective, "row")
        facts["lower_is_better"] = objective_sign(objective) < 0
    for key, name, predicted in (
        ("decision", _decision_rule_name(model), rows.decision),
        ("default", _default_rule_name(model), rows.default),
    ):
        facts["rules"][key] = {
            "rule": name,
            **_objective_facts(model, objective, rows, predicted),
            **_rates(rows.truth, predicted, classes),
        }
    return facts


def _objective_facts(model, objective, rows, predicted):
    """The objective of one rule on the rows, a cost as a cost."""
    if objective is None:
        return {
            "objective": None,
            "reason": "the model's rule was fixed, with no objective to score",
        }
    n_classes = model.classes_.size
    if n_classes > 2:
        if hasattr(objective, "score_labels"):
            value = objective.score_labels(rows.truth, predicted)
        else:
            confusion = _confusion(rows.truth, predicted, n_classes)
            value = objective.multiclass(confusion[None])[0]
        return {"objective": finite(objective_sign(objective) * value)}
    pos = int(np.flatnonzero(model.classes_ == model.pos_label_)[0])
    truth, flagged = rows.truth == pos, predicted == pos
    bound, weight = objective.bind(truth, None, rows.metadata)
    # The predictions as scores 0 and 1, cut at 0.5.
    value = value_at(bound, truth, flagged.astype(np.float64), weight, 0.5)
    facts = {"objective": finite(objective_sign(objective) * value)}
    if isinstance(objective, Constrained):
        reached = value_at(
            objective.subject_to, truth, flagged.astype(np.float64), None, 0.5
        )
        met = bool(objective.meets_bound(reached))
        facts["constraint"] = {
            "bound": format_bound(objective),
            "value": finite(reached),
            "met": met,
        }
        if not met:
            facts["reason"] = (
                f"{objective.subject_to.name} is {reached:.4g} here, which misses "
                f"{format_bound(objective)}"
            )
    if facts["objective"] is None and "reason" not in facts:
        facts["reason"] = "the objective is not finite on these rows"
    return facts


def _confusion(truth, predicted, n_classes):
    """Counts of (truth, prediction) pairs, rows the truth."""
    return np.bincount(
        truth * n_classes + predicted, minlength=n_classes * n_classes
    ).reshape(n_classes, n_classes)


def _rates(truth, predicted, classes):
    """Accuracy, balanced accuracy, per-class precision and recall, and the
    confusion matrix; a ratio of nothing is 0, as scikit-learn's
    ``zero_division=0``."""
    confusion = _confusion(truth, predicted, len(classes))
    correct = np.diagonal(confusion)
    actual, flagged = confusion.sum(axis=1), confusion.sum(axis=0)
    precision = np.divide(
        correct, flagged, out=np.zeros(len(classes)), where=flagged > 0
    )
    recall = np.divide(correct, actual, out=np.zeros(len(classes)), where=actual > 0)
    return {
        "accuracy": float(get_objective("accuracy").multiclass(confusion[None])[0]),
        "balanced_accuracy": float(
            get_objective("balanced_accuracy").multiclass(confusion[None])[0]
        ),
        "per_class": {
            label: {
                "precision": float(p),
                "recall": float(r),
                "support": int(n),
                "predicted": int(f),
            }
            for label, p, r, n, f in zip(
                classes, precision, recall, actual, flagged, strict=True
            )
        },
        "confusion_matrix": {
            "rows": "truth",
            "columns": "prediction",
            "labels": classes,
            "counts": confusion.tolist(),
        },
    }


def _evaluation_text(facts):
    """The evaluation as aligned text: the rules side by side, then matrices."""
    decision, default = facts["rules"]["decision"], facts["rules"]["default"]
    lines = [
        ("model", facts["model"]),
        ("data", f"{facts['data']}, {facts['n_rows']:,} rows"),
        ("objective", facts["objective"] or "none (fixed rule)"),
    ]
    table = [
        ("", "decision rule", "default rule"),
        ("", decision["rule"], default["rule"]),
    ]
    if facts["quantity"] is not None:
        table.append(
            (
                facts["quantity"],
                _shown(decision, "objective"),
                _shown(default, "objective"),
            )
        )
    for key, name in (
        ("accuracy", "accuracy"),
        ("balanced_accuracy", "balanced accuracy"),
    ):
        table.append((name, f"{decision[key]:.4g}", f"{default[key]:.4g}"))
    for label in facts["classes"]:
        for rate in ("precision", "recall"):
            table.append(
                (
                    f"{rate} {label}",
                    f"{decision['per_class'][label][rate]:.4g}",
                    f"{default['per_class'][label][rate]:.4g}",
                )
            )
    width = max(len(row[0]) for row in [*lines, *table]) + 2
    middle = max(len(row[1]) for row in table) + 2
    text = [f"{name:<{width}}{value}" for name, value in lines]
    text += [""] + [f"{a:<{width}}{b:<{middle}}{c}".rstrip() for a, b, c in table]
    for key, rule in (("decision", decision), ("default", default)):
        text += ["", f"confusion matrix, {key} rule (rows: truth, columns: prediction)"]
        text += _matrix_lines(rule["confusion_matrix"])
    for rule in (decision, default):
        if "reason" in rule:
            text += ["", f"{rule['rule']}: {rule['reason']}"]
    return "\n".join(text)


def _shown(rule, key):
    value = rule[key]
    return "none" if value is None else f"{value:.4g}"


def _matrix_lines(matrix):
    labels, counts = matrix["labels"], matrix["counts"]
    width = max(len(str(c)) for row in counts for c in row)
    width = max(width, *(len(label) for label in labels)) + 2
    first = max(len(label) for label in labels) + 2
    lines = [" " * first + "".join(f"{label:>{width}}" for label in labels)]
    for label, row in zip(labels, counts, strict=True):
        lines.append(f"{label:<{first}}" + "".join(f"{c:>{width}}" for c in row))
    return lines

"""What a model file reads from a table: feature columns, or score columns.

A ``ThresholdedClassifier`` reads the features it was fitted on. A
``TunedThreshold`` reads scores: the columns that ``tune --score-column``
named, which the model file keeps as ``score_columns_``, or those that
``--score-column`` names again. Each chunk is checked as it is read, so that
a bad cell is named by its column and row.
"""

import re

import numpy as np

from threshold_estimator import TunedThreshold
from threshold_estimator.cli._common import feature_kinds, plain
from threshold_estimator.cli._files import (
    InputError,
    check_columns,
    check_numbers,
    explain_number_error,
    number_columns,
)

#: How far a row of softmax probabilities may sum from 1, as tune_threshold
#: allows (float32 outputs are rounded).
SUM_TOLERANCE = 1e-3

_TUNING_ADVICE = "for logits or other unbounded scores pass --score-type logit"
_MODEL_ADVICE = (
    "the model was tuned on probabilities; give it the same kind of scores "
    "(tune --score-type logit makes a model for logits)"
)


def model_input(model, args, present):
    """How to read what ``model`` takes from ``args.data``, whose columns are
    ``present``: a ``FeatureInput`` or a ``ScoreInput``."""
    given = list(getattr(args, "score_column", None) or [])
    if isinstance(model, TunedThreshold):
        reader = ScoreInput(model, args, given)
    elif given:
        raise InputError(
            f"--score-column is for a model tuned on scores (tune --score-column); "
            f"{args.model} reads features, which it names itself"
        )
    else:
        reader = FeatureInput(model, args)
    try:
        check_columns(reader.columns, present, args.data, reader.role)
    except InputError as exc:
        if reader.role == "score" and not given:
            raise InputError(
                f"{exc}; if the table holds those scores under other names, "
                "name them with --score-column"
            ) from None
        raise
    return reader


class FeatureInput:
    """The features of a ``ThresholdedClassifier``: those ``tune`` read as
    numbers are checked cell by cell; its text columns are read as text."""

    role = "feature"

    def __init__(self, model, args):
        self.columns = [str(c) for c in getattr(model, "feature_names_in_", [])]
        if not self.columns:
            raise InputError(f"{args.model} does not record its feature names")
        self.numbers, self.text = feature_kinds(model)
        self.path, self.decimal = args.data, args.decimal

    def read(self, chunk, first_row):
        """The model's input from one chunk, ``first_row`` rows into the file."""
        check_numbers(chunk, self.path, self.numbers, self.decimal, first_row)
        return chunk[self.columns]

    def explain(self, exc, X, first_row):
        """The cell behind the model's error on ``X``, or None."""
        return explain_number_error(exc, X, self.path, self.decimal, first_row)


class ScoreInput:
    """The scores a ``TunedThreshold`` reads: pos_label's score, or one
    probability (or logit) per class, in the order of the sorted classes."""

    role = "score"
    text = ()

    def __init__(self, model, args, given):
        recorded = getattr(model, "score_columns_", None)
        if not given and recorded is None:
            raise InputError(
                f"{args.model} does not record its score columns (it was saved "
                "from Python); name them with --score-column, in the order of "
                "the sorted classes"
            )
        self.columns = list(given or recorded)
        check_score_count(self.columns, model.classes_, model.score_type, args.model)
        self.score_type = model.score_type
        self.path, self.decimal = args.data, args.decimal

    def read(self, chunk, first_row):
        """The scores of one chunk, ``first_row`` rows into the file."""
        return read_scores(
            chunk,
            self.path,
            self.columns,
            self.score_type,
            self.decimal,
            first_row,
            advice=_MODEL_ADVICE,
        )

    def explain(self, exc, X, first_row):
        return None


def check_score_count(columns, classes, score_type, owner):
    """Refuse score columns that are neither pos_label's score nor one per class.

    ``owner`` names what holds ``classes``: the target column, or a model file.
    """
    twice = [name for name in columns if columns.count(name) > 1]
    if twice:
        raise InputError(f"--score-column {twice[0]} is given twice")
    n_classes, n_columns = len(classes), len(columns)
    if n_classes == 2 and n_columns == 2 and score_type == "logit":
        raise InputError(
            "--score-column names two columns of logits for two classes; give "
            "one, the logit of the positive class (for a softmax of two outputs, "
            "the difference of its two logits)"
        )
    if n_columns == n_classes or (n_classes == 2 and n_columns == 1):
        _check_column_order(columns, classes)
        return
    labels = ", ".join(repr(str(plain(label))) for label in classes)
    wanted = (
        "one column, the positive class's score, or two, each class's probability"
        if n_classes == 2
        else f"{n_classes} columns, one per class"
    )
    raise InputError(
        f"--score-column names {n_columns} column{'s' * (n_columns > 1)}, but "
        f"{owner} has {n_classes} classes ({labels}): give {wanted}, in the "
        "order of the sorted classes"
    )


def _check_column_order(columns, classes):
    """Refuse columns named after the classes but given in another order.

    A column is named after a class when the class label is the column's
    name or a word of it (``p_high``, ``prob high``).
    """
    labels = [str(plain(label)) for label in classes]
    if len(columns) < 2:
        return
    named = []
    for column in columns:
        found = [
            label
            for label in labels
            if re.search(rf"(^|[\W_]){re.escape(label)}($|[\W_])", column)
        ]
        if len(found) != 1:
            return
        named.append(found[0])
    if named != labels and sorted(named) == labels:
        in_order = [columns[named.index(label)] for label in labels]
        raise InputError(
            f"--score-column {' '.join(columns)}: these look like the scores of "
            f"{', '.join(map(repr, named))}, but the columns are read in the "
            f"order of the sorted classes ({', '.join(map(repr, labels))}); "
            f"give --score-column {' '.join(in_order)}"
        )


def read_scores(
    frame, path, columns, score_type, decimal=".", first_row=0, advice=_TUNING_ADVICE
):
    """The scores in ``columns`` of ``frame``, checked: shape (rows,) for one
    column, (rows, columns) for more.

    Every cell must be a finite number; probabilities must lie in [0, 1],
    and several columns of them sum to 1 in each row. The first bad cell is
    named by its column and row (``first_row`` rows precede ``frame`` in the
    file), with what to do: ``advice``.
    """
    scores = number_columns(frame, path, columns, decimal, first_row)
    bad = ~np.isfinite(scores)
    if bad.any():
        row, k = np.argwhere(bad)[0]
        value = frame[columns[k]].iloc[row]
        what = "has no score" if np.isnan(scores[row, k]) else f"holds {value!r}"
        raise InputError(
            f"{path}, column {columns[k]!r}, row {first_row + row + 1:,} after "
            f"the header {what}; every row needs a finite score"
        )
    if score_type == "probability":
        outside = (scores < 0) | (scores > 1)
        if outside.any():
            row, k = np.argwhere(outside)[0]
            raise InputError(
                f"{path}, column {columns[k]!r}, row {first_row + row + 1:,} "
                f"after the header: {scores[row, k]:g} is not a probability "
                f"(outside [0, 1]); {advice}"
            )
        sums = scores.sum(axis=1)
        off = np.abs(sums - 1) > SUM_TOLERANCE
        if len(columns) > 1 and off.any():
            row = int(np.argmax(off))
            raise InputError(
                f"{path}, row {first_row + row + 1:,} after the header: the "
                f"columns {', '.join(map(repr, columns))} sum to {sums[row]:.4g}, "
                f"not 1, so they are not a softmax's probabilities; {advice}"
            )
    return scores[:, 0] if scores.shape[1] == 1 else scores

"""The options of ``tune`` that say what the rule is for.

``--scoring``, ``--cost``, ``--constraint`` and ``--cost-matrix`` (the
objective), ``--pos-label`` and ``--class-prior``, read from their text and
matched to the classes of the target.
"""

import csv
from pathlib import Path

import numpy as np

from threshold_estimator import objectives
from threshold_estimator.cli._common import plain
from threshold_estimator.cli._files import InputError, one_line


def objective_of(args):
    """The ``scoring`` of ``--scoring``, ``--cost``, ``--constraint`` or
    ``--cost-matrix`` (read here, matched to the classes once they are known).
    """
    if args.cost_matrix:
        return CostMatrixFile.read(args.cost_matrix)
    if args.cost:
        cells = {}
        for part in args.cost.split(","):
            name, _, value = part.partition("=")
            try:
                cells[name.strip()] = float(value)
            except ValueError:
                raise InputError(
                    f"--cost {args.cost!r}: {part!r} is not cell=number; write "
                    "e.g. --cost fp=1,fn=10 (cells tn, fp, fn, tp)"
                ) from None
        try:
            return objectives.cost(**cells)
        except TypeError:
            raise InputError(
                f"--cost {args.cost!r}: the cells are tn, fp, fn and tp"
            ) from None
        except ValueError as exc:
            raise InputError(f"--cost {args.cost!r}: {one_line(exc)}") from None
    if args.constraint:
        maximize, _, bound = args.constraint.partition(":")
        for sign, keyword in ((">=", "at_least"), ("<=", "at_most")):
            name, found, value = bound.partition(sign)
            if found:
                try:
                    return objectives.constrained(
                        maximize.strip(), name.strip(), **{keyword: float(value)}
                    )
                except ValueError as exc:
                    raise InputError(f"--constraint: {one_line(exc)}") from None
        raise InputError(
            f"--constraint {args.constraint!r} is not maximize:metric>=value; "
            "write e.g. --constraint recall:precision>=0.9"
        )
    return args.scoring


class CostMatrixFile:
    """The costs of ``--cost-matrix``: a CSV of the classes by the classes.

    Its header and its first column name the classes; ``costs[i, j]`` is the
    cost of predicting the class of column ``j`` for a row of the class of
    row ``i``. Every problem names the row and column at fault.
    """

    def __init__(self, path, labels, costs):
        self.path = path
        self.labels = labels
        self.costs = costs

    @classmethod
    def read(cls, path):
        """The labels and costs of the file, checked cell by cell."""
        path = Path(path)
        where = f"--cost-matrix {path}"
        if not path.is_file():
            raise InputError(f"{where}: no such file")
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = [row for row in csv.reader(handle) if any(map(str.strip, row))]
        except (UnicodeError, csv.Error) as exc:
            raise InputError(f"{where} could not be read: {one_line(exc)}") from None
        if len(rows) < 3:
            raise InputError(
                f"{where} needs a header row of class labels and one row per "
                "class, each starting with its label, such as:  ,no,yes / "
                "no,0,1 / yes,10,0"
            )
        columns = [cell.strip() for cell in rows[0][1:]]
        labels = [row[0].strip() for row in rows[1:]]
        for what, names in (("column", columns), ("row", labels)):
            twice = [name for name in names if names.count(name) > 1]
            if twice:
                raise InputError(
                    f"{where}: the {what} label {twice[0]!r} appears twice"
                )
        if sorted(columns) != sorted(labels):
            raise InputError(
                f"{where}: its rows name the classes {', '.join(map(repr, labels))} "
                f"and its columns {', '.join(map(repr, columns))}; both must list "
                "the same classes"
            )
        costs = np.empty((len(labels), len(labels)))
        for i, row in enumerate(rows[1:]):
            cells = row[1:]
            if len(cells) != len(columns):
                raise InputError(
                    f"{where}: row {labels[i]!r} has {len(cells)} costs, but the "
                    f"header names {len(columns)} classes"
                )
            for j, cell in enumerate(cells):
                costs[i, labels.index(columns[j])] = _cost_cell(
                    cell, f"{where}: row {labels[i]!r}, column {columns[j]!r}"
                )
        return cls(path, labels, costs)

    def objective(self, classes):
        """``objectives.cost_matrix``, rows and columns in the order of ``classes``."""
        names = [str(plain(label)) for label in classes]
        if sorted(names) != sorted(self.labels):
            unknown = [label for label in self.labels if label not in names]
            missing = [name for name in names if name not in self.labels]
            said = [
                f"names {', '.join(map(repr, unknown))}, which the target does not hold"
                if unknown
                else "",
                f"lacks {', '.join(map(repr, missing))}" if missing else "",
            ]
            raise InputError(
                f"--cost-matrix {self.path} {' and '.join(filter(None, said))}; "
                f"the target's classes are {', '.join(map(repr, names))}"
            )
        order = [self.labels.index(name) for name in names]
        try:
            return objectives.cost_matrix(self.costs[np.ix_(order, order)])
        except ValueError as exc:
            counted = ", ".join(f"{i} is {name!r}" for i, name in enumerate(names))
            raise InputError(
                f"--cost-matrix {self.path}: {one_line(exc)} (class {counted})"
            ) from None


def _cost_cell(text, where):
    """One cost of ``--cost-matrix``: a finite number, not negative."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where} holds {text.strip()!r}, not a number") from None
    if not np.isfinite(value) or value < 0:
        raise InputError(
            f"{where} is {text.strip()}: a cost must be a finite number, 0 or more"
        )
    return value


def pos_label_of(text, y):
    """``--pos-label`` as a label of ``y``: a number where the labels are."""
    if text is None or y.dtype.kind not in "iufb":
        return text
    if y.dtype.kind == "b":
        truth = {"true": True, "1": True, "false": False, "0": False}
        if text.lower() not in truth:
            raise InputError(f"--pos-label {text!r}: the labels are True and False")
        return truth[text.lower()]
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"--pos-label {text!r}: the labels are numbers, {np.unique(y).tolist()}"
        ) from None
    return int(value) if value.is_integer() and y.dtype.kind in "iub" else value


def class_prior_of(text, classes):
    """``--class-prior`` as ``class_prior``: ``label=share,...`` naming every
    class, shares in the order of the sorted classes, or, for two classes,
    one number, the positive class's share. ``None`` without the option."""
    if text is None:
        return None
    where = f"--class-prior {text!r}"
    names = [str(plain(label)) for label in classes]
    parts = [part.strip() for part in text.split(",")]
    if all("=" in part for part in parts):
        shares = {}
        for part in parts:
            name, _, value = part.partition("=")
            shares[name.strip()] = _share(value, where)
        if sorted(shares) != sorted(names):
            raise InputError(
                f"{where} names {', '.join(map(repr, shares))}; name each class "
                f"once: {', '.join(map(repr, names))}"
            )
        return _summing_to_one([shares[name] for name in names], where)
    shares = [_share(part, where) for part in parts]
    if len(shares) == 1 and len(names) == 2:
        return shares[0]
    if len(shares) != len(names):
        raise InputError(
            f"{where} gives {len(shares)} shares for {len(names)} classes; give "
            f"one per class, in the order {', '.join(map(repr, names))}, or "
            f"name them: {','.join(f'{name}=...' for name in names)}"
        )
    return _summing_to_one(shares, where)


def _summing_to_one(shares, where):
    """Shares as written, refused unless they sum to 1: a typo is not
    silently rescaled."""
    total = sum(shares)
    if abs(total - 1) > 1e-3:
        raise InputError(
            f"{where}: the shares sum to {total:.4g}, not 1; give the share of "
            "each class in the new data"
        )
    return shares


def _share(text, where):
    try:
        share = float(text)
    except ValueError:
        share = None
    if share is None or not 0 < share < 1:
        raise InputError(
            f"{where}: {text.strip()!r} is not a share, a number between 0 and "
            "1; write e.g. --class-prior no=0.8,yes=0.2"
        )
    return share
